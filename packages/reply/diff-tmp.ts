import { parseDosLine as oldDos } from "/tmp/me/old-list-dos.ts";
import { parseEpsvReply as oldEpsv } from "/tmp/me/old-passive.ts";
import { parseDosLine } from "./src/list-dos.ts";
import { parseEpsvReply } from "./src/passive-reply.ts";
let seed = 12345;
const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
const pick = <T,>(a: T[]) => a[rnd(a.length)]!;
const dosTok = ["0","1","2","12","13","01","-","--","20","2020","199"," ","  ","\t",":","00","59","60","AM","PM","am","pM","x","<DIR>","<JUNCTION>","1,234",",","a b","\u00a0","\r","\u2028",".","..","name.txt", "<DIR", "5"];
let diffs = 0, n = 0;
const show = (v: unknown) => JSON.stringify(v);
for (let i = 0; i < 300000; i++) {
  let line: string;
  if (rnd(3) === 0) {
    line = `${pick(["01","1","12","13","00"])}-${pick(["02","2","31","30","00"])}-${pick(["20","2020","99","199"])}${pick([" ","  ","\t",""])}${pick(["03","3","12","00","13"])}:${pick(["04","59","60","4"])}${pick(["","PM","AM"," PM","pm"," "])}${pick([" ","   ",""])}${pick(["<DIR>","<JUNCTION>","1,234","0","12345678901234567890","x"])}${pick([" ","  ",""])}${pick(["a","a b"," x","..",".","n\r","n\u2028x","",  "  "])}`;
  } else {
    line = ""; const k = 1 + rnd(14); for (let j = 0; j < k; j++) line += pick(dosTok);
  }
  if (!/^\d/.test(line)) continue;
  n++;
  const a = oldDos(line), b = parseDosLine(line);
  if (show(a) !== show(b)) {
    // expected: names with line terminators, whitespace-only names
    const name = b?.name ?? a?.name ?? "";
    if (/[\r\n\u2028\u2029]/.test(line) || (a && /^\s+$/.test(a.name))) continue;
    if (diffs++ < 10) console.log("DOS DIFF", show(line), show(a), show(b));
  }
}
console.log("dos lines", n, "diffs", diffs);
const epTok = ["(", ")", "|", "||", "|||", "!", "#", "1", "12", "21226", "65535", "65536", "0", " ", "a", "\n", "(|||", "|)", "((", "1|", "11", ")("];
let ediffs = 0;
for (let i = 0; i < 300000; i++) {
  let s = ""; const k = 1 + rnd(10); for (let j = 0; j < k; j++) s += pick(epTok);
  const r = (f: (s: string) => number) => { try { return f(s); } catch (e) { return (e as Error).name; } };
  const a = r(oldEpsv), b = r(parseEpsvReply);
  if (a !== b && ediffs++ < 10) console.log("EPSV DIFF", show(s), a, b);
}
console.log("epsv diffs", ediffs);
let e2 = 0;
const alpha = "(|)12 a!(((";
for (let i = 0; i < 500000; i++) {
  let s = ""; const k = 4 + rnd(18); for (let j = 0; j < k; j++) s += alpha[rnd(alpha.length)];
  const r = (f: (s: string) => number) => { try { return f(s); } catch (e) { return (e as Error).name; } };
  const a = r(oldEpsv), b = r(parseEpsvReply);
  if (a !== b && e2++ < 10) console.log("EPSV2 DIFF", show(s), a, b);
}
console.log("epsv2 diffs", e2);
