// The entry page shows a payload's beginning, read from a stream: JSON
// indented, text, or hex, within the preview limit.

import assert from "node:assert/strict";
import { entryPath, rig } from "./_helpers.ts";

interface ApiPreview {
  kind: string;
  size?: number;
  shown?: number;
  text?: string;
  hex?: string;
  message?: string;
}

Deno.test("dashboard preview: JSON, text, binary, empty and missing payloads", async () => {
  await using r = await rig(["q"], { previewBytes: 1024 });
  const enc = new TextEncoder();
  const preview = async (data: Uint8Array): Promise<ApiPreview> => {
    const entry = await r.spool.enqueue("q", "{}", data);
    const one = await (await r.fetch(`/api${entryPath("q", entry.name)}`))
      .json();
    return one.preview;
  };

  const json = await preview(enc.encode('{"a":[1,{"b":"<c>"}]}'));
  assert.equal(json.kind, "json");
  assert.equal(
    json.text,
    '{\n  "a": [\n    1,\n    {\n      "b": "<c>"\n    }\n  ]\n}',
  );

  const long = await preview(enc.encode("é".repeat(3000))); // 6000 bytes
  assert.equal(long.kind, "text");
  assert.equal(long.size, 6000);
  assert.equal(long.shown, 1024);
  assert.equal(long.text, "é".repeat(512));

  // Cut in the middle of a character: still text, the half left out.
  const odd = await preview(enc.encode("a" + "é".repeat(1000)));
  assert.equal(odd.kind, "text");
  assert.equal(odd.text, "a" + "é".repeat(511));

  const binary = await preview(
    Uint8Array.from({ length: 20 }, (_, i) => i * 13),
  );
  assert.equal(binary.kind, "binary");
  assert.equal(
    binary.hex,
    "00000000  00 0d 1a 27 34 41 4e 5b  68 75 82 8f 9c a9 b6 c3  |...'4AN[hu......|\n" +
      "00000010  d0 dd ea f7                                       |....|",
  );

  const bigBinary = await preview(new Uint8Array(10_000).fill(0xff));
  assert.equal(bigBinary.kind, "binary");
  assert.equal(bigBinary.size, 10_000);
  assert.equal(bigBinary.shown, 1024);

  assert.deepEqual(await preview(new Uint8Array()), { kind: "empty", size: 0 });

  const damaged = await r.spool.enqueue("q", "{}", enc.encode("x"));
  await Deno.remove(`${r.dir}/.data/${damaged.name}`);
  const page = await r.page(entryPath("q", damaged.name));
  assert.match(page, /The payload is missing: the entry is damaged/);
});

Deno.test("dashboard preview: a payload larger than the limit is read only to the limit", async () => {
  await using r = await rig(["q"]);
  // 8 MiB of text: the page shows the first 64 KiB and says so.
  const entry = await r.spool.enqueue(
    "q",
    "{}",
    new TextEncoder().encode("line of text\n".repeat(8 * 1024 * 1024 / 13)),
  );
  const page = await r.page(entryPath("q", entry.name));
  assert.match(page, /Text, 8\.0 MiB: the first 64\.0 KiB/);
  assert.ok(page.length < 80 * 1024, `${page.length} characters`);
});

Deno.test("dashboard preview: JSON nested too deep to print is shown as text, not a crash", async () => {
  await using r = await rig(["q"], { previewBytes: 1024 * 1024 });
  const text = "[".repeat(200_000) + "]".repeat(200_000);
  const entry = await r.spool.enqueue(
    "q",
    "{}",
    new TextEncoder().encode(text),
  );
  const one = await (await r.fetch(`/api${entryPath("q", entry.name)}`)).json();
  assert.equal(one.preview.kind, "text");
  assert.equal(one.preview.text, text);
});
