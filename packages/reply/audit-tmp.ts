import * as R from "./src/index.ts";
const fns: [string, (s: string) => unknown][] = [
  ["pasv", (s) => R.parsePasvReply(s)],
  ["epsv", (s) => R.parseEpsvReply(s)],
  ["list", (s) => R.parseListLine(s)],
  ["list0", (s) => R.parseListLine("0" + s)],
  ["listd", (s) => R.parseListLine("01-02-20 " + s)],
  ["listu", (s) => R.parseListLine("-rw-r--r-- " + s)],
  ["listt", (s) => R.parseListLine("total " + s)],
  ["mlsx", (s) => R.parseMlsxLine(s)],
  ["mlsxt", (s) => R.parseMlsxLine("type=OS.unix=slink:" + s + ";x; n")],
  ["feat", (s) => R.parseFeatReply(["F", s, "E"])],
  ["mdtm", (s) => R.parseMdtmReply(s)],
  ["hash", (s) => R.parseHashReply(s)],
  ["hash2", (s) => R.parseHashReply("SHA-1 0-1 " + s)],
  ["size", (s) => R.parseSizeReply(s)],
  ["path", (s) => R.parsePathReply(s)],
  ["port", (s) => R.parsePortArgument(s)],
  ["eprt", (s) => R.parseEprtArgument(s)],
  ["listing", (s) => R.parseListing(s)],
  ["mlsd", (s) => R.parseListing(s, { format: "mlsd" })],
];
const units = ["a;", ";", "=;", "a=", "- ", "rwx ", "1, 2 ", "Jan ", " ", "(", "|", "1", "1,", "1, ", ",", "-", "\r", "\u2028", "=", ";", "a=b;", "\"", "\"\"", "(|", "|1", "0-", " 1", "1 ", "\t", ":", "1:", "Jan 1 ", "01-02-20 ", "<DIR> ", "\u00a0", "x\r", "((|||1", "type=", "a b", "1-1 ", "a ", "0 ", "+s1,"];
const tails = ["", "\r", "x", "\u2028", ")", "|", "\n"];
function time(f: (s: string) => unknown, s: string): number {
  const t = performance.now();
  try { f(s); } catch {}
  return performance.now() - t;
}
for (const [name, f] of fns) {
  for (const u of units) for (const tail of tails) for (const pre of ["", "1", "(", "SHA-1 0-1 ab "]) {
    const mk = (n: number) => pre + u.repeat(Math.ceil(n / u.length)) + tail;
    const a = Math.min(time(f, mk(16000)), time(f, mk(16000)));
    const b = Math.min(time(f, mk(64000)), time(f, mk(64000)));
    if (b > 20 && b / Math.max(a, 0.5) > 6) console.log(`SUSPECT ${name} pre=${JSON.stringify(pre)} unit=${JSON.stringify(u)} tail=${JSON.stringify(tail)}: ${a.toFixed(1)} -> ${b.toFixed(1)} ms`);
  }
}
console.log("done");
