/**
 * Fault injection: the ways this server can misbehave on purpose, for tests of
 * clients. Every fault is off unless configured; `times` limits how often a fault fires
 * (default: every time).
 *
 * @module
 */

/** Close a data connection after a number of bytes. */
export interface DropDataFault {
  /** Wire bytes (after the mode's encoding) sent or received before the connection is cut. */
  afterBytes: number;
  /** Only for these commands (`RETR`, `STOR`, `LIST`, ...). Default: every transfer. */
  verbs?: string[];
  /** Only for these paths (as resolved, `/dir/a.bin`). Default: every path. */
  paths?: string[];
  /**
   * The reply after the cut. Default 426 (what a real server says when the connection
   * broke); 226 simulates a server that believes it succeeded (STREAM mode cannot tell).
   */
  reply?: number;
  times?: number;
}

/** Answer a command with a chosen reply instead of carrying it out. */
export interface ReplyFault {
  /** The command verb, `"RETR"`. */
  verb: string;
  /** Only when the argument equals this string or matches this pattern. */
  argument?: string | RegExp;
  /** The reply code: 425, 421, 450, 451, 500, 502, 504 or any other. A 421 also closes the session. */
  code: number;
  /** The reply text. Default: a text naming the fault. */
  text?: string;
  times?: number;
}

/** Delay replies. */
export interface DelayFault {
  /** Milliseconds before each reply is sent (through the server's `sleep`). */
  ms: number;
  /** Only replies to these commands (`"greeting"` for the banner). Default: every reply. */
  verbs?: string[];
}

/** Send data slowly: `chunkBytes` at a time with a pause after each. */
export interface SlowDataFault {
  chunkBytes: number;
  delayMs: number;
}

/** Close the control connection at a chosen step. */
export interface CloseControlFault {
  /** The command at which to close. */
  verb: string;
  /**
   * `"command"`: as soon as the command arrives, without a reply; `"reply"`: right after
   * its final reply; `"transfer"`: during its data transfer, after `afterBytes` wire bytes
   * (default 0), leaving the data connection to break with it.
   */
  when: "command" | "reply" | "transfer";
  afterBytes?: number;
  /**
   * `"command"` and `"transfer"`: just for commands whose path argument, as resolved
   * (`/dir/a.bin`), is one of these. Default: every command of the verb.
   */
  paths?: string[];
  times?: number;
}

/**
 * The faults of a server (option `faults`, or `server.faults = ...` at any time).
 *
 * @example
 * ```ts
 * server.faults = {
 *   dropData: { afterBytes: 1000, verbs: ["RETR"], times: 1 },
 *   replies: [{ verb: "EPSV", code: 502 }],
 *   wrongSize: 1,
 * };
 * ```
 */
export interface FaultOptions {
  dropData?: DropDataFault | DropDataFault[];
  replies?: ReplyFault[];
  delayReplies?: DelayFault;
  slowData?: SlowDataFault;
  /** SIZE reports a wrong size: a number is added to the real size, a function picks it. */
  wrongSize?: number | ((path: string, size: number) => number);
  closeControl?: CloseControlFault | CloseControlFault[];
}

function list<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** The live state of the configured faults: what is left of each `times`. */
export class FaultState {
  readonly options: FaultOptions;
  readonly #left = new Map<object, number>();

  constructor(options: FaultOptions = {}) {
    this.options = options;
  }

  /** Takes one firing of `fault` if it has any left. */
  #take(fault: { times?: number }): boolean {
    if (fault.times === undefined) return true;
    const left = this.#left.get(fault) ?? fault.times;
    if (left <= 0) return false;
    this.#left.set(fault, left - 1);
    return true;
  }

  /** True when a fault may act on a transfer: drop, close control, slow data. */
  get touchesTransfers(): boolean {
    const o = this.options;
    return o.dropData !== undefined || o.closeControl !== undefined || o.slowData !== undefined;
  }

  /** The reply fault for this command, consumed. */
  reply(verb: string, argument: string): ReplyFault | undefined {
    for (const f of this.options.replies ?? []) {
      if (f.verb.toUpperCase() !== verb) continue;
      if (typeof f.argument === "string" && f.argument !== argument) continue;
      if (f.argument instanceof RegExp && !f.argument.test(argument)) continue;
      if (this.#take(f)) return f;
    }
    return undefined;
  }

  /** The data-drop fault for this transfer, consumed. */
  dropData(verb: string, path: string): DropDataFault | undefined {
    for (const f of list(this.options.dropData)) {
      if (f.verbs !== undefined && !f.verbs.some((v) => v.toUpperCase() === verb)) continue;
      if (f.paths !== undefined && !f.paths.includes(path)) continue;
      if (this.#take(f)) return f;
    }
    return undefined;
  }

  /** The close-control fault for this command at this step (a transfer of `path`), consumed. */
  closeControl(
    verb: string,
    when: CloseControlFault["when"],
    path?: string,
  ): CloseControlFault | undefined {
    for (const f of list(this.options.closeControl)) {
      if (f.verb.toUpperCase() !== verb || f.when !== when) continue;
      if (f.paths !== undefined && (path === undefined || !f.paths.includes(path))) continue;
      if (this.#take(f)) return f;
    }
    return undefined;
  }

  /** Milliseconds to wait before a reply to `verb` (`"greeting"` for the banner). */
  replyDelay(verb: string): number {
    const d = this.options.delayReplies;
    if (d === undefined) return 0;
    if (d.verbs !== undefined && !d.verbs.some((v) => v.toUpperCase() === verb.toUpperCase()))
      return 0;
    return d.ms;
  }

  /** The size SIZE reports. */
  size(path: string, size: number): number {
    const w = this.options.wrongSize;
    if (w === undefined) return size;
    return typeof w === "number" ? size + w : w(path, size);
  }
}
