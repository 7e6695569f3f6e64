export {
  inCi,
  type RealServerAvailability,
  type RealServerCheckOptions,
  type RealServerRequirement,
  realServerAvailable,
  recordSkip,
  requireOrSkip,
} from "./availability.ts";
export type { Greeting } from "./greeting.ts";
export { livingGroupMembers, serverProcesses } from "./process-group.ts";
export { RealServerError } from "./real-server-error.ts";
export {
  createTempRoot,
  type SeedContent,
  type SeededFile,
  type SeedSeries,
  type SeedSpec,
  seedChunks,
  seedContent,
  seedRoot,
  seriesPath,
  type TempRoot,
} from "./seed.ts";
export {
  INSTALL_COMMAND,
  REAL_SERVER_NAMES,
  type RealServerName,
  type RealServerTls,
  SERVERS_DIR,
  tlsModesOf,
} from "./server-catalog.ts";
export {
  type PortRange,
  type RealServer,
  type StartRealServerOptions,
  startRealServer,
} from "./servers.ts";
