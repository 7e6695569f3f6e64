/**
 * Ending a server's whole process group, through /proc (Linux). The servers fork a
 * process per session; killing only the master would leave sessions behind that keep
 * ports and files busy.
 *
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import { RealServerError } from "./real-server-error.ts";

interface ProcStat {
  readonly pid: number;
  readonly state: string;
  readonly ppid: number;
  readonly pgrp: number;
  readonly startTime: string;
}

// /proc/PID/stat: "pid (comm) state ppid pgrp session ... starttime(22) ...". comm may
// contain spaces and parentheses, so fields are counted after its last ")".
function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return {
    pid,
    state: fields[0] ?? "?",
    ppid: Number(fields[1]),
    pgrp: Number(fields[2]),
    startTime: fields[19] ?? "",
  };
}

function allStats(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat !== undefined) stats.push(stat);
  }
  return stats;
}

function isLiving(stat: ProcStat): boolean {
  return stat.state !== "Z" && stat.state !== "X";
}

/**
 * The living (not zombie) processes whose process group is `pgid`.
 *
 * @example
 * ```ts
 * if (livingGroupMembers(server.pid).length > 0) throw new Error("leftovers");
 * ```
 */
export function livingGroupMembers(pgid: number): number[] {
  return allStats()
    .filter((s) => s.pgrp === pgid && isLiving(s))
    .map((s) => s.pid);
}

/**
 * Every living process of a server: its process group plus every descendant of the
 * leader (vsftpd makes each session a session leader of its own, out of the group).
 *
 * @example
 * ```ts
 * await server.stop();
 * console.log(serverProcesses(server.pid)); // []
 * ```
 */
export function serverProcesses(pid: number): number[] {
  const found = new Set(livingGroupMembers(pid));
  for (const p of descendants(pid)) found.add(p.pid);
  return [...found].sort((a, b) => a - b);
}

/** A process seen at one moment: its start time tells it apart from a later reuse of the pid. */
interface ProcessIdentity {
  readonly pid: number;
  readonly startTime: string;
}

/** Every living descendant of `pid`, at any depth (children that left the group included). */
function descendants(pid: number): ProcessIdentity[] {
  const stats = allStats().filter(isLiving);
  const children = new Map<number, ProcStat[]>();
  for (const s of stats) {
    const list = children.get(s.ppid);
    if (list === undefined) children.set(s.ppid, [s]);
    else list.push(s);
  }
  const found: ProcessIdentity[] = [];
  const queue = [pid];
  for (let i = 0; i < queue.length && i < 100_000; i++) {
    for (const child of children.get(queue[i]!) ?? []) {
      found.push({ pid: child.pid, startTime: child.startTime });
      queue.push(child.pid);
    }
  }
  return found;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: nobody is left in the group.
  }
}

/** True when `p` still runs: same pid, same start time, not a zombie. */
function stillRunning(p: ProcessIdentity): boolean {
  const now = readStat(p.pid);
  return now !== undefined && isLiving(now) && now.startTime === p.startTime;
}

function signalIfSame(p: ProcessIdentity, signal: NodeJS.Signals): void {
  if (!stillRunning(p)) return;
  try {
    process.kill(p.pid, signal);
  } catch {
    // It exited between the check and the signal.
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Ends the process group led by `pgid` and every descendant of its leader: SIGTERM,
 * then, if the leader has not exited within `graceMs`, SIGKILL. Resolves when no living
 * member is left; rejects with the pids that survived SIGKILL.
 *
 * @param leaderExited settles when the leader (our child) has exited
 */
export async function endProcessGroup(
  pgid: number,
  leaderExited: Promise<unknown>,
  graceMs = 5000,
): Promise<void> {
  const family = descendants(pgid);
  signalGroup(pgid, "SIGTERM");
  for (const p of family) signalIfSame(p, "SIGTERM");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const graceOver = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), graceMs);
  });
  await Promise.race([leaderExited, graceOver]);
  clearTimeout(timer);
  // Sessions the master did not take down with it go now.
  signalGroup(pgid, "SIGKILL");
  for (const p of family) signalIfSame(p, "SIGKILL");
  await leaderExited;
  // SIGKILL is delivered at once, but a process is only gone from /proc when the kernel
  // has torn it down: look again, a bounded number of times.
  let left: number[] = [];
  for (let attempt = 0; attempt < 100; attempt++) {
    left = [
      ...new Set([...livingGroupMembers(pgid), ...family.filter(stillRunning).map((p) => p.pid)]),
    ];
    if (left.length === 0) return;
    await delay(20);
  }
  throw new RealServerError(
    `Processes ${left.map((p) => `"${p}"`).join(", ")} of process group "${pgid}" survived SIGKILL`,
  );
}
