/**
 * Image discovery's public face (the code is in discovery/). A file, not only the folder, so that a
 * build over an older dist/ replaces dist/core/discovery.js instead of leaving it to shadow the folder.
 */
export * from "./discovery/index";
