/**
 * The CLI's version, as `ftpkit --version` prints it (kept equal to package.json's by a test).
 *
 * @module
 */

/** The version of this package. */
export const VERSION = "0.1.0";
