/**
 * Expert: checkout-level control. These calls are fenced off from the main
 * entry point (like the original's `Expert` module) because each one hands
 * responsibility to the caller.
 *
 * @module
 */

export { checkout, listCheckoutsUnsafe, tryCheckout } from "./src/expert.ts";
