/** Where tests find the repository, the test fixtures and the policy pack, wherever a suite lives. */
import * as path from "path";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const FIXTURES = path.join(REPO_ROOT, "test", "fixtures");
/** The pack as the Pulumi CLI loads it (`--policy-pack policies`). */
export const PACK_DIR = path.join(REPO_ROOT, "policies");
