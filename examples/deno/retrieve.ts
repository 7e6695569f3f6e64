/**
 * Retrieve every file of an FTP folder with @ftpkit/client on Deno.
 *
 *   deno run --allow-net retrieve.ts ftp://user:pass@host/dir/ [--mode auto|S|B|C|Z|E] [--concurrency N]
 *   deno run --allow-net --allow-read --allow-write retrieve.ts URL --out DIR
 *   deno run --allow-net retrieve.ts   # no URL: against a built-in @ftpkit/server
 *
 * In your project, map the imports to JSR (`deno add jsr:@ftpkit/client jsr:@ftpkit/server
 * jsr:@ftpkit/socket-deno`). Inside this repository: `deno run --config ../../deno.json …`
 * (the root workspace resolves @ftpkit/* to the sources), as `pnpm start` here does.
 *
 * Prints one line per file (sha256, size, mode, path) and a summary. A URL ending in "/"
 * is a folder (every file in it); otherwise it names one file. With no URL the script
 * starts @ftpkit/server on 127.0.0.1 with generated files and checks every byte.
 * Exits with 1 when a file failed or did not match. The program is in
 * ../shared/retrieve-folder.ts, the same for every runtime; only the adapter differs.
 *
 * @module
 */

import { denoSockets } from "@ftpkit/socket-deno";
import { retrieveFolder } from "../shared/retrieve-folder.ts";

Deno.exitCode = await retrieveFolder(denoSockets(), Deno.args);
