export { Client, Connection, Subscription } from "./client";
export type { ClientOptions } from "./client";
export { Feed, FeedState } from "./feed";
export type { Event } from "./feed";
export { defaultSocketPath, spawnDaemon, findCairnd } from "./daemon";
export * from "./errors";
export type { Api, MethodName, Methods, Params } from "./generated";
export { renderTypes } from "./codegen";
