/**
 * The imagegate workload program (`pulumi up` in workloads/, after the platform stack). It runs
 * where the cluster's API server is reachable: for prod, the self-hosted agents in the platform
 * VNet's runner subnet (docs/redeploy-loop.md).
 */
import * as path from "path";
import { loadPolicySettings } from "../components/image";
import { readWorkloadConfig } from "./config";
import { createWorkloads, platformOutputs } from "./workloads";

const repoRoot = path.resolve(__dirname, "..");
const config = readWorkloadConfig();
// One trust config for both programs: the same file the platform and the pack are given.
const trust = loadPolicySettings(path.resolve(repoRoot, config.policyConfigFile), path.join(repoRoot, "policies"));
const out = createWorkloads(config, trust, platformOutputs(config.platformStack));

export const sampleImage = out.sampleImage;
