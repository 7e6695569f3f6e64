/**
 * Command-line options of `pnpm fuzz`.
 *
 * @module
 */

/** Parsed options. */
export interface FuzzArgs {
  seed: number;
  /** True when the seed came from the command line or the environment. */
  seedGiven: boolean;
  /** Inputs per target; undefined: each target's default. */
  inputs: number | undefined;
  targets: string[] | undefined;
  budgetMs: number;
  hangMs: number;
  memoryMb: number;
  maxFailures: number;
  maxSlow: number;
  short: boolean;
  replay: boolean;
  /** Also replay open cases that hung (each costs --hang-ms). */
  replayHangs: boolean;
  fuzz: boolean;
  hostile: boolean;
  save: boolean;
  list: boolean;
  help: boolean;
  /** Reproduce one input: `--index N` with `--seed` and one `--target`. */
  index: number | undefined;
  /** Replay one saved case file. */
  caseFile: string | undefined;
}

/** Default inputs of a text target (reply, command, listing parsers, reply decoders). */
export const TEXT_INPUTS = 80_000;
/** Default inputs of a data-connection target (mode decoders, splitter, reassembler). */
export const BINARY_INPUTS = 30_000;

/** The usage text. */
export const USAGE = `pnpm fuzz [-- options]        (or: pnpm --filter @ftpkit/fuzz fuzz [options])

  --seed N            seed of the run (default: random, printed)
  --inputs N          inputs per target (default ${TEXT_INPUTS} for text targets,
                      ${BINARY_INPUTS} for data-connection targets: 1,120,000 in all)
  --target NAME[,..]  only these targets (repeatable); --list shows them
  --index N           rebuild and run input #N of --seed for one --target, print it
  --case FILE         replay one saved case (.bin) and print what happens
  --budget-ms N       per-input time budget (default 250)
  --hang-ms N         no progress for this long is a hang (default 5000)
  --memory-mb N       allowed growth of memory in use per target (default 512)
  --max-failures N    stop a target after N distinct failures (default 20)
  --max-slow N        stop a target after N slow or hung inputs (default 3)
  --short             small inputs (the CI short pass's profile)
  --no-replay         skip the replay of corpus/regressions
  --replay-hangs      also replay open cases that hung (each costs --hang-ms)
  --no-fuzz           skip random inputs
  --no-hostile        skip the hostile cases
  --hostile-only      only the hostile cases
  --no-save           do not write failures to corpus/regressions
  --list              list the targets and hostile cases

Environment (turbo passes FTPKIT_* through): FTPKIT_FUZZ_SEED, FTPKIT_FUZZ_INPUTS,
FTPKIT_FUZZ_TARGET.`;

function integer(name: string, text: string | undefined): number {
  const n = Number(text);
  if (text === undefined || !Number.isSafeInteger(n) || n < 0) {
    throw new Error(`${name} needs a non-negative integer, got ${JSON.stringify(text)}`);
  }
  return n;
}

/** Parses argv (after the script name) and the environment. */
export function parseArgs(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): FuzzArgs {
  const args: FuzzArgs = {
    seed: Math.floor(Math.random() * 0x1_0000_0000),
    seedGiven: false,
    inputs: undefined,
    targets: undefined,
    budgetMs: 250,
    hangMs: 5_000,
    memoryMb: 512,
    maxFailures: 20,
    maxSlow: 3,
    short: false,
    replay: true,
    replayHangs: false,
    fuzz: true,
    hostile: true,
    save: true,
    list: false,
    help: false,
    index: undefined,
    caseFile: undefined,
  };
  if (env.FTPKIT_FUZZ_SEED) {
    args.seed = integer("FTPKIT_FUZZ_SEED", env.FTPKIT_FUZZ_SEED) >>> 0;
    args.seedGiven = true;
  }
  if (env.FTPKIT_FUZZ_INPUTS) args.inputs = integer("FTPKIT_FUZZ_INPUTS", env.FTPKIT_FUZZ_INPUTS);
  if (env.FTPKIT_FUZZ_TARGET) args.targets = env.FTPKIT_FUZZ_TARGET.split(",").filter(Boolean);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const value = (): string | undefined => (eq === -1 ? argv[++i] : arg.slice(eq + 1));
    switch (name) {
      case "--":
        break;
      case "--seed":
        args.seed = integer(name, value()) >>> 0;
        args.seedGiven = true;
        break;
      case "--inputs":
        args.inputs = integer(name, value());
        break;
      case "--target":
        args.targets = [...(args.targets ?? []), ...(value() ?? "").split(",").filter(Boolean)];
        break;
      case "--index":
        args.index = integer(name, value());
        break;
      case "--case":
        args.caseFile = value();
        break;
      case "--budget-ms":
        args.budgetMs = integer(name, value());
        break;
      case "--hang-ms":
        args.hangMs = integer(name, value());
        break;
      case "--memory-mb":
        args.memoryMb = integer(name, value());
        break;
      case "--max-failures":
        args.maxFailures = integer(name, value());
        break;
      case "--max-slow":
        args.maxSlow = integer(name, value());
        break;
      case "--short":
        args.short = true;
        break;
      case "--no-replay":
        args.replay = false;
        break;
      case "--replay-hangs":
        args.replayHangs = true;
        break;
      case "--no-fuzz":
        args.fuzz = false;
        break;
      case "--no-hostile":
        args.hostile = false;
        break;
      case "--hostile-only":
        args.fuzz = false;
        args.replay = false;
        break;
      case "--no-save":
        args.save = false;
        break;
      case "--list":
        args.list = true;
        break;
      case "--help":
      case "-h":
        args.help = true;
        break;
      default:
        throw new Error(`Unknown option ${JSON.stringify(arg)}\n\n${USAGE}`);
    }
  }
  return args;
}
