/**
 * Records verbatim replies and listings of a real FTP server into a fixture file for
 * the tests (test/fixtures/NAME.txt). Loopback only. Development tool, not shipped.
 *
 *   tsx scripts/capture-fixtures.ts NAME PORT [USER PASS]
 *
 * Fixture format: a header line `# …`, then sections. Each section starts with a line
 * `=== <kind> <command>` (kind "control" or "data") and holds the bytes exactly as
 * received (CR LF kept) up to the next `\n=== ` line.
 */

import { writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { encodeCommand, parseEpsvReply, type Reply, ReplyParser } from "../src/index.ts";

const [name, portText, user = "ftpuser", pass = "ftppass"] = process.argv.slice(2);
if (name === undefined || portText === undefined) {
  console.error("usage: capture-fixtures.ts NAME PORT [USER PASS]");
  process.exit(2);
}
const port = Number(portText);
if (!(port >= 21000 && port <= 21999)) throw new Error(`port ${port} is outside 21000-21999`);

const sections: Buffer[] = [];
const control = connect({ host: "127.0.0.1", port });
const parser = new ReplyParser({
  onStrayLine: (line) => console.log(`  stray line: ${JSON.stringify(line)}`),
});
let raw: Buffer[] = [];
let replies: Reply[] = [];
let wake: (() => void) | undefined;
control.on("data", (chunk: Buffer) => {
  raw.push(chunk);
  replies.push(...parser.push(chunk));
  wake?.();
});
control.on("error", (e) => {
  console.error(e);
  process.exit(1);
});

function nextEvent(ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      wake = undefined;
      resolve(false);
    }, ms);
    wake = () => {
      clearTimeout(t);
      wake = undefined;
      resolve(true);
    };
  });
}

/** Waits for a final (non-1xx) reply, then 150 ms of quiet for stray bytes. */
async function finalReply(timeoutMs = 5000): Promise<Reply | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const final = replies.find((r) => r.code >= 200);
    if (final !== undefined) {
      while (await nextEvent(150)) {}
      return final;
    }
    if (Date.now() > deadline || !(await nextEvent(deadline - Date.now()))) return undefined;
  }
}

function take(kind: string, label: string): Buffer {
  const bytes = Buffer.concat(raw);
  raw = [];
  replies = [];
  sections.push(Buffer.from(`=== ${kind} ${label}\n`), bytes);
  if (bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a) sections.push(Buffer.from("\n"));
  return bytes;
}

async function command(
  verb: string,
  argument?: string,
  label?: string,
): Promise<Reply | undefined> {
  control.write(encodeCommand(verb, argument));
  const reply = await finalReply();
  take("control", label ?? (argument === undefined ? verb : `${verb} ${argument}`));
  console.log(
    `${verb} ${verb === "PASS" ? "****" : (argument ?? "")} -> ${reply?.code ?? "timeout"}`,
  );
  return reply;
}

async function transfer(verb: string, argument?: string): Promise<void> {
  control.write(encodeCommand("EPSV"));
  const epsv = await finalReply();
  take("control", "EPSV");
  if (epsv?.code !== 229) return;
  const data: Socket = connect({ host: "127.0.0.1", port: parseEpsvReply(epsv) });
  const chunks: Buffer[] = [];
  const closed = new Promise<void>((resolve) => {
    data.on("data", (c: Buffer) => chunks.push(c));
    data.on("close", () => resolve());
    data.on("error", () => resolve());
  });
  await new Promise<void>((resolve) => data.once("connect", () => resolve()));
  control.write(encodeCommand(verb, argument));
  // A refusal (MLSD on vsftpd: 500) comes without the data connection ever closing.
  let refused = false;
  while (!refused) {
    const done = await Promise.race([closed.then(() => true), nextEvent(5000).then(() => false)]);
    if (done) break;
    refused = replies.some((r) => r.code >= 400);
  }
  if (refused) data.destroy();
  const reply = await finalReply();
  const label = argument === undefined ? verb : `${verb} ${argument}`;
  take("control", label);
  sections.push(Buffer.from(`=== data ${label}\n`), Buffer.concat(chunks));
  const body = Buffer.concat(chunks);
  if (body.length > 0 && body[body.length - 1] !== 0x0a) sections.push(Buffer.from("\n"));
  console.log(`${label} -> ${reply?.code ?? "timeout"}, ${body.length} data bytes`);
}

await new Promise<void>((resolve) => control.once("connect", () => resolve()));
await finalReply();
take("control", "(greeting)");
await command("USER", user);
await command("PASS", pass, "PASS ****");
for (const [verb, arg] of [
  ["SYST"],
  ["FEAT"],
  ["OPTS", "UTF8 ON"],
  ["PWD"],
  ["TYPE", "I"],
  ["SIZE", "hello.txt"],
  ["SIZE", "no-such-file"],
  ["MDTM", "hello.txt"],
  ["MDTM", "no-such-file"],
  ["MLST", "hello.txt"],
  ["MLST", "name with spaces.txt"],
  ["MLST"],
  ["STAT"],
  ["STAT", "hello.txt"],
  ["HELP"],
  ["TYPE", "L 8"],
  ["TYPE", "E"],
  ["TYPE", "I"],
  ["FOO"],
  ["OPTS", "HASH SHA-256"],
  ["HASH", "hello.txt"],
  ["MKD", 'odd "quoted" dir'],
  ["CWD", 'odd "quoted" dir'],
  ["PWD"],
  ["CWD", ".."],
  ["RMD", 'odd "quoted" dir'],
  ["PASV"],
  ["EPSV"],
] as [string, string?][]) {
  await command(verb, arg);
}
await transfer("LIST");
await transfer("LIST", "-la");
await transfer("LIST", "dir");
await transfer("NLST");
await transfer("MLSD");
await transfer("MLSD", "dir");
await command("QUIT");
control.end();

const header = `# ${name}: verbatim replies and listings captured ${new Date().toISOString()} from 127.0.0.1:${port} by scripts/capture-fixtures.ts\n`;
const out = new URL(`../test/fixtures/${name}.txt`, import.meta.url);
writeFileSync(out, Buffer.concat([Buffer.from(header), ...sections]));
console.log(`wrote ${out.pathname}`);
