import { packageBuild } from "../../tsup.config.base.ts";

export default packageBuild();
