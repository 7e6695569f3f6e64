// `pnpm demo` runs this file. The demo lives in ./demo/, a workspace package, so that
// its imports of @ftpkit/* resolve from that folder's node_modules.
import "./demo/demo.ts";
