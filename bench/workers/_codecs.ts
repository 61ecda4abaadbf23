// Metadata stored as the text given, so that a bench entry can have empty
// metadata (an empty file owns no data block: removing it costs no discard).
import type { MetadataCodec } from "../../mod.ts";

/** Identity text codec. */
export const textMetadata: MetadataCodec<string> = {
  encode: (text) => text,
  decode: (text) => text,
};
