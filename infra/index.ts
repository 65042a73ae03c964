/**
 * The imagegate platform program (`pulumi up` from the repository root; Pulumi.yaml's main is
 * infra/). Stack settings come from Pulumi.<stack>.yaml, trust settings from the policy config the
 * pack is given, so preview, provisioning and admission judge images by one list. Its outputs are
 * what the workload program (workloads/) reads through a StackReference.
 */
import * as path from "path";
import { readEnvironmentConfig } from "./config";
import { createEnvironment } from "./environment";
import { loadPolicySettings } from "../components/image";

const projectDir = path.resolve(__dirname, "..");
const config = readEnvironmentConfig();
// Relative paths in the policy config (reports, certificates) resolve against the pack directory, as in the pack.
const trust = loadPolicySettings(path.resolve(projectDir, config.policyConfigFile), path.join(projectDir, "policies"));
const env = createEnvironment(config, trust);

export const resourceGroupName = env.resourceGroupName;
export const registryLoginServer = env.registryLoginServer;
export const registryId = env.registryId;
export const clusterName = env.clusterName;
export const clusterId = env.clusterId;
export const runnerSubnetId = env.runnerSubnetId;
export const buildTaskId = env.buildTaskId;
export const sampleRepository = env.sampleRepository;
export const sampleTag = env.sampleTag;
export const buildTaskName = env.buildTaskName;
export const registryName = env.registryName;
export const buildTaskRunCommand = env.buildTaskRunCommand;
export const trustedRegistries = env.trustedRegistries;
/** Coverage of the subscription's Defender plan, when this stack declares it (read by stack-registry-scanning elsewhere). */
export const defenderForContainers = env.defenderForContainers ?? null;
