/**
 * The seed corpus: real replies, commands and listings captured from vsftpd, proftpd,
 * pure-ftpd, pyftpdlib, inetutils-ftpd and GridFTP (`corpus/seeds/probes/`, copied from the
 * probe transcripts, and `packages/reply/test/fixtures/`), real MODE E and MODE Z data
 * connections (`packages/modes/test/fixtures/*.bin`), and a few synthetic lines for shapes
 * no server here produces (DOS/IIS and EPLF listings, odd PASV/EPSV texts).
 *
 * Mutated inputs are drawn from these, so the corpus is part of a run's identity: the
 * fuzzer prints its fingerprint next to the seed.
 *
 * @module
 */

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { ByteHash, latin1, utf8 } from "./bytes.ts";

/** Seeds by kind. */
export interface SeedCorpus {
  /** Single replies, lines ending in CR LF. */
  replies: Uint8Array[];
  /** Every reply of one server session, back to back. */
  sessions: Uint8Array[];
  /** Command lines ending in CR LF. */
  commands: Uint8Array[];
  /** Single LIST lines, no line end. */
  listLines: Uint8Array[];
  /** Whole LIST bodies. */
  listings: Uint8Array[];
  /** Single MLSD/MLST lines, no line end. */
  mlsxLines: Uint8Array[];
  /** Whole MLSD bodies. */
  mlsdListings: Uint8Array[];
  /** MODE E data connections captured from globus-gridftp-server. */
  modeE: Uint8Array[];
  /** MODE Z data connections captured from proftpd. */
  modeZ: Uint8Array[];
  /** Hash over every seed, printed with the run's seed. */
  fingerprint: string;
}

const PACKAGE_ROOT = new URL("../", import.meta.url);
const PROBES = new URL("corpus/seeds/probes/", PACKAGE_ROOT);
const REPLY_FIXTURES = new URL("../reply/test/fixtures/", PACKAGE_ROOT);
const MODE_FIXTURES = new URL("../modes/test/fixtures/", PACKAGE_ROOT);

const SYNTHETIC_LIST_LINES = [
  "01-02-20  03:04PM       <DIR>          my dir",
  "12-31-99  11:59AM             1,234,567 report 1999.txt",
  "2020-01-02  13:04             42 iso.txt",
  "10-05-2024  09:00       <JUNCTION>     link",
  "+i8388621.29609,m824255902,/,\tdev",
  "+i8388621.44468,m839956783,r,s10376,\tRFCEPLF",
  "+s0,up644,m1600000000,r,\tempty",
  "-rw-r--r--    1 1001     1001            6 Jan 02  2020 hello.txt",
  "lrwxrwxrwx    1 ftp      ftp             9 Dec 01 07:33 link -> hello.txt",
  "crw-rw-rw-    1 root     root       1,   3 Jan  1  2020 null",
  "brw-rw----    1 root     disk       8,0 Jan  1 12:00 sda",
  "-rw-r--r--    1 owner    group with space 12 2020-01-02 03:04:05.123456789 +0100 iso name",
  "drwxr-xr-x+  3 user     staff         96 31 Dec 23:59 european",
  "-rwxr-xr-x 1 0 0 7 Feb 29 12:00 leap",
  "total 24",
];

const SYNTHETIC_MLSX_LINES = [
  "type=file;size=6;modify=20200102030405;UNIX.mode=0644; a; b.txt",
  " type=dir;perm=el;unique=801U1; dir name",
  "type=OS.unix=slink:/etc/target;size=9; link",
  "Type=cdir;Modify=20200102030405.123;Perm=flcdmpe; .",
  "type=OS.unix=chrdev;size=0; tty",
  "size=1;; nameless type",
  "noFacts",
];

const SYNTHETIC_REPLIES = [
  "227 Entering Passive Mode (127,0,0,1,82,241).",
  "227 =127,0,0,1,82,241",
  "227 Entering Passive Mode (1,82,124)",
  "229 Entering Extended Passive Mode (|||6446|)",
  "229 Extended Passive mode OK (!!!21226!)",
  "229 |||6446|",
  '257 "/a ""quoted"" dir" is current directory',
  "257 /no/quotes here",
  "213 20200102030405.5",
  "213 16777216",
  "213 SHA-256 0-6 f572d396fae9206628714fb2ce00f72e94f2258f hello.txt",
  "211-Features:\r\n MDTM\r\n REST STREAM\r\n MLST type*;size*;modify*;\r\n UTF8\r\n211 End",
  "220-Welcome\r\n220-\r\n  indented\r\n123 not the end\r\n220 Ready",
  "150 Opening BINARY mode data connection\r\n226 Transfer complete",
];

const SYNTHETIC_COMMANDS = [
  "USER anna",
  "PASS secret",
  "PORT 127,0,0,1,82,248",
  "EPRT |2|::1|21241|",
  "EPRT |1|132.235.1.2|6275|",
  "RETR dir/na\u00efve.txt",
  "\xff\xf4\xff\xf2ABOR",
  "opts utf8 on",
  "STOR  leading space ",
];

function readDir(url: URL, ext: string): { name: string; bytes: Uint8Array }[] {
  if (!existsSync(url)) return [];
  return readdirSync(url)
    .filter((name) => name.endsWith(ext))
    .sort()
    .map((name) => ({ name, bytes: new Uint8Array(readFileSync(new URL(name, url))) }));
}

/** Splits bytes on LF; a CR before the LF stays with the line. */
function lines(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let from = 0;
  for (let lf = bytes.indexOf(0x0a); lf !== -1; lf = bytes.indexOf(0x0a, from)) {
    out.push(bytes.subarray(from, lf));
    from = lf + 1;
  }
  if (from < bytes.length) out.push(bytes.subarray(from));
  return out;
}

function stripCr(line: Uint8Array): Uint8Array {
  let end = line.length;
  while (end > 0 && line[end - 1] === 0x0d) end--;
  return line.subarray(0, end);
}

function joinLines(parts: readonly Uint8Array[], eol: Uint8Array): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length + eol.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    out.set(eol, o + p.length);
    o += p.length + eol.length;
  }
  return out;
}

const CRLF = Uint8Array.of(0x0d, 0x0a);
const LF = Uint8Array.of(0x0a);

function looksLikeMlsx(line: Uint8Array): boolean {
  const space = line.indexOf(0x20, 1);
  const head = space === -1 ? line : line.subarray(0, space);
  return head.includes(0x3d) && head.includes(0x3b);
}

function startsWith(line: Uint8Array, text: string): boolean {
  if (line.length < text.length) return false;
  for (let i = 0; i < text.length; i++) if (line[i] !== text.charCodeAt(i)) return false;
  return true;
}

/** Reads the probe transcripts: `  key:` headers with `    | text` lines below them. */
function addProbe(corpus: SeedCorpus, bytes: Uint8Array): void {
  let key = "";
  let block: Uint8Array[] = [];
  const session: Uint8Array[] = [];
  const flush = (): void => {
    if (block.length === 0) return;
    if (key === "data_head") {
      const body = block.filter((l) => l.length > 0);
      if (body.length > 0) {
        if (looksLikeMlsx(body[0]!)) {
          corpus.mlsdListings.push(joinLines(body, CRLF));
          corpus.mlsxLines.push(...body);
        } else {
          corpus.listings.push(joinLines(body, CRLF));
          corpus.listLines.push(...body);
        }
      }
    } else {
      const reply = joinLines(block, CRLF);
      corpus.replies.push(reply);
      session.push(reply);
    }
    block = [];
  };
  for (const raw of lines(bytes)) {
    const line = stripCr(raw);
    let i = 0;
    while (i < line.length && line[i] === 0x20) i++;
    if (line[i] === 0x7c) {
      // "    | text": the text starts after "| ".
      block.push(line.subarray(Math.min(line.length, i + 2)));
      continue;
    }
    flush();
    const rest = line.subarray(i);
    const colon = rest.indexOf(0x3a);
    key = colon === -1 ? "" : new TextDecoder().decode(rest.subarray(0, colon));
    if (key === "sent" && colon + 2 <= rest.length) {
      corpus.commands.push(joinLines([rest.subarray(colon + 2)], CRLF));
    }
  }
  flush();
  if (session.length > 0) {
    let n = 0;
    for (const s of session) n += s.length;
    const all = new Uint8Array(n);
    let o = 0;
    for (const s of session) {
      all.set(s, o);
      o += s.length;
    }
    corpus.sessions.push(all);
  }
}

/** Reads the reply package's fixtures: `=== control X` and `=== data X` sections. */
function addReplyFixture(corpus: SeedCorpus, bytes: Uint8Array): void {
  let section = "";
  let block: Uint8Array[] = [];
  const flush = (): void => {
    if (block.length > 0) {
      if (section.startsWith("data MLS")) {
        corpus.mlsdListings.push(joinLines(block, CRLF));
        corpus.mlsxLines.push(...block.filter((l) => l.length > 0));
      } else if (section.startsWith("data")) {
        corpus.listings.push(joinLines(block, CRLF));
        corpus.listLines.push(...block.filter((l) => l.length > 0));
      } else if (section.startsWith("control")) {
        corpus.replies.push(joinLines(block, CRLF));
      }
    }
    block = [];
  };
  for (const raw of lines(bytes)) {
    const line = stripCr(raw);
    if (startsWith(line, "# ")) continue;
    if (startsWith(line, "=== ")) {
      flush();
      section = new TextDecoder().decode(line.subarray(4));
      if (section.startsWith("control ")) {
        const command = line.subarray(4 + "control ".length);
        if (command.length > 0 && command[0] !== 0x28)
          corpus.commands.push(joinLines([command], CRLF));
      }
      continue;
    }
    block.push(line);
  }
  flush();
}

let cached: SeedCorpus | undefined;

/** Loads (once) and returns the seed corpus. */
export function loadSeeds(): SeedCorpus {
  if (cached !== undefined) return cached;
  const corpus: SeedCorpus = {
    replies: [],
    sessions: [],
    commands: [],
    listLines: [],
    listings: [],
    mlsxLines: [],
    mlsdListings: [],
    modeE: [],
    modeZ: [],
    fingerprint: "",
  };
  for (const { bytes } of readDir(PROBES, ".txt")) addProbe(corpus, bytes);
  for (const { bytes } of readDir(REPLY_FIXTURES, ".txt")) addReplyFixture(corpus, bytes);
  for (const { name, bytes } of readDir(MODE_FIXTURES, ".bin")) {
    if (name.includes("-e-")) corpus.modeE.push(bytes);
    else if (name.includes("-z-")) corpus.modeZ.push(bytes);
  }
  const text = (t: string): Uint8Array => (/[^\x00-\xff]/.test(t) ? utf8(t) : latin1(t));
  for (const l of SYNTHETIC_LIST_LINES) corpus.listLines.push(text(l));
  corpus.listings.push(joinLines(SYNTHETIC_LIST_LINES.map(text), CRLF));
  corpus.listings.push(joinLines(SYNTHETIC_LIST_LINES.map(text), LF));
  for (const l of SYNTHETIC_MLSX_LINES) corpus.mlsxLines.push(text(l));
  corpus.mlsdListings.push(joinLines(SYNTHETIC_MLSX_LINES.map(text), CRLF));
  for (const r of SYNTHETIC_REPLIES) corpus.replies.push(joinLines([text(r)], CRLF));
  for (const c of SYNTHETIC_COMMANDS) corpus.commands.push(joinLines([text(c)], CRLF));
  const hash = new ByteHash();
  for (const kind of [
    corpus.replies,
    corpus.sessions,
    corpus.commands,
    corpus.listLines,
    corpus.listings,
    corpus.mlsxLines,
    corpus.mlsdListings,
    corpus.modeE,
    corpus.modeZ,
  ]) {
    hash.update(Uint8Array.of(kind.length & 0xff, (kind.length >> 8) & 0xff));
    for (const s of kind) hash.update(s);
  }
  corpus.fingerprint = hash.hex();
  cached = corpus;
  return corpus;
}

/** Seeds of one kind that contain a line starting with `code` (e.g. "227"), else all of them. */
export function repliesWithCode(corpus: SeedCorpus, code: string): Uint8Array[] {
  const found = corpus.replies.filter((r) => startsWith(r, code));
  return found.length > 0 ? found : corpus.replies;
}
