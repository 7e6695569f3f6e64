/**
 * `@ftpkit/bench` (private): end-to-end benchmarks against other clients, and the
 * latency proxy they run through. `pnpm bench` runs `src/main.ts`.
 *
 * @module
 */

export { DelayedPipe, type DelayedPipeOptions, type PipeMeter } from "./delayed-pipe.ts";
export {
  type LatencyProxy,
  type LatencyProxyOptions,
  type LatencyProxyStats,
  portRange,
  startLatencyProxy,
} from "./latency-proxy.ts";
