/**
 * The imagegate environment program (`pulumi up` from the repository root; Pulumi.yaml's main is
 * infra/). Stack settings come from Pulumi.<stack>.yaml, trust settings from the policy config the
 * pack is given, so preview, provisioning and admission judge images by one list.
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
export const clusterName = env.clusterName;
export const buildTaskId = env.buildTaskId;
export const buildTaskName = env.buildTaskName;
export const registryName = env.registryName;
export const buildTaskRunCommand = env.buildTaskRunCommand;
export const sampleImage = env.sampleImage;
export const trustedRegistries = env.trustedRegistries;
