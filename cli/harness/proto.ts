/**
 * The generated Analyzer stubs and the gRPC/protobuf runtime, loaded from the copies @pulumi/pulumi
 * itself uses: protobuf `instanceof` checks (e.g. `Empty`) fail across module copies.
 */
import * as path from "path";
import type * as analyzerPbT from "@pulumi/pulumi/proto/analyzer_pb";
import type * as analyzerGrpcT from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import type * as pluginPbT from "@pulumi/pulumi/proto/plugin_pb";
import type * as grpcT from "@grpc/grpc-js";
import type * as structPbT from "google-protobuf/google/protobuf/struct_pb";
import type * as emptyPbT from "google-protobuf/google/protobuf/empty_pb";

const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const fromPulumi = (id: string) => require(require.resolve(id, { paths: [pulumiDir] }));

export const analyzerPb: typeof analyzerPbT = require("@pulumi/pulumi/proto/analyzer_pb");
export const analyzerGrpc: typeof analyzerGrpcT = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
export const pluginPb: typeof pluginPbT = require("@pulumi/pulumi/proto/plugin_pb");
export const grpc: typeof grpcT = fromPulumi("@grpc/grpc-js");
export const structPb: typeof structPbT = fromPulumi("google-protobuf/google/protobuf/struct_pb");
export const emptyPb: typeof emptyPbT = fromPulumi("google-protobuf/google/protobuf/empty_pb");
