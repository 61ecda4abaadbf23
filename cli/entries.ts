/**
 * The CLI subcommands that work on entries, each in its own module: init,
 * ls, show, tail, enqueue, mv, rm, hold, release, retry.
 *
 * @module
 */

export { init } from "./init.ts";
export { ls } from "./ls.ts";
export { show } from "./show.ts";
export { tail } from "./tail.ts";
export { enqueue } from "./enqueue.ts";
export { mv } from "./mv.ts";
export { rm } from "./rm.ts";
export { hold, release } from "./hold.ts";
export { retry } from "./retry.ts";
