export * from "./types"; export * from "./pii"; export * from "./injection"; export * from "./checksums"; export * from "./normalize";
