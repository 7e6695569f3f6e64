/**
 * The dispatch table: every command this server knows, by verb.
 *
 * @module
 */

import { ACCESS_COMMANDS } from "./access-commands.ts";
import type { CommandSpec } from "./command-spec.ts";
import { FILE_COMMANDS } from "./file-commands.ts";
import { INFO_COMMANDS } from "./info-commands.ts";
import { PARAMETER_COMMANDS } from "./parameter-commands.ts";
import { TRANSFER_COMMANDS } from "./transfer-commands.ts";

/** Verb → command. */
export const COMMANDS: ReadonlyMap<string, CommandSpec> = new Map(
  Object.entries({
    ...ACCESS_COMMANDS,
    ...INFO_COMMANDS,
    ...FILE_COMMANDS,
    ...PARAMETER_COMMANDS,
    ...TRANSFER_COMMANDS,
  }),
);
