/**
 * Retrieve every file of an FTP folder with @ftpkit/client on Bun.
 *
 *   bun retrieve.ts ftp://user:pass@host/dir/ [--mode auto|S|B|C|Z|E] [--concurrency N] [--out DIR]
 *   bun retrieve.ts                    # no URL: against a built-in @ftpkit/server
 *
 * Prints one line per file (sha256, size, mode, path) and a summary. A URL ending in "/"
 * is a folder (every file in it); otherwise it names one file. With no URL the script
 * starts @ftpkit/server on 127.0.0.1 with generated files and checks every byte.
 * Exits with 1 when a file failed or did not match. The program is in
 * ../shared/retrieve-folder.ts, the same for every runtime; only the adapter differs.
 *
 * @module
 */

import { bunSockets } from "@ftpkit/socket-bun";
import { retrieveFolder } from "../shared/retrieve-folder.ts";

process.exitCode = await retrieveFolder(bunSockets(), process.argv.slice(2));
