import { packageBuild } from "../../tsup.config.base.ts";

// The library entry and the `ftpkit` binary (its shebang line is kept by esbuild).
export default packageBuild(["src/index.ts", "src/cli.ts"]);
