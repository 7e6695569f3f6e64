/** Loader of the captured fixtures in test/fixtures (format: scripts/capture-fixtures.ts). */

import { readFileSync } from "node:fs";

/** One section of a capture: the bytes the server sent for a command. */
export interface Section {
  kind: "control" | "data";
  label: string;
  bytes: Uint8Array;
}

/** A capture file: when it was made and its sections in order. */
export interface Capture {
  capturedAt: Date;
  sections: Section[];
}

const MARK = Buffer.from("\n=== ");

/** Reads test/fixtures/NAME.txt. */
export function loadCapture(name: string): Capture {
  const file = readFileSync(new URL(`./fixtures/${name}.txt`, import.meta.url));
  const headerEnd = file.indexOf(0x0a);
  const header = file.subarray(0, headerEnd).toString("utf8");
  const at = /captured (\S+)/.exec(header);
  if (at === null) throw new Error(`fixture ${name} has no capture time`);
  const sections: Section[] = [];
  let pos = headerEnd; // points at the "\n" before "=== "
  while (pos !== -1 && pos < file.length - 1) {
    const lineEnd = file.indexOf(0x0a, pos + 1);
    const title = file.subarray(pos + 5, lineEnd).toString("utf8");
    const next = file.indexOf(MARK, lineEnd);
    // A section's bytes run to the "\n" that precedes the next "=== " (that LF is
    // part of the bytes: every section ends with one).
    const end = next === -1 ? file.length : next + 1;
    const space = title.indexOf(" ");
    sections.push({
      kind: title.slice(0, space) as "control" | "data",
      label: title.slice(space + 1),
      bytes: new Uint8Array(file.subarray(lineEnd + 1, end)),
    });
    pos = next;
  }
  return { capturedAt: new Date(at[1]!), sections };
}

/** The first section with this kind and label. */
export function section(capture: Capture, kind: "control" | "data", label: string): Uint8Array {
  const s = capture.sections.find((x) => x.kind === kind && x.label === label);
  if (s === undefined) throw new Error(`no ${kind} section "${label}"`);
  return s.bytes;
}

/** A reply block of the shared probe transcripts (scripts/extract-probe-replies.ts). */
export interface ProbeReply {
  server: string;
  section: string;
  key: string;
  lines: string[];
  stray: string[];
}

/** Every distinct reply of the shared probe transcripts. */
export function loadProbeReplies(): ProbeReply[] {
  return JSON.parse(
    readFileSync(new URL("./fixtures/probe-replies.json", import.meta.url), "utf8"),
  ) as ProbeReply[];
}
