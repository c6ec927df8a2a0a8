import * as path from 'node:path';
import * as protobuf from 'protobufjs';

/**
 * The OTLP protobuf types, loaded once from the vendored `proto/otlp.proto` (see the header there for
 * its source). Reflection-based protobufjs: no code generation step in the build.
 */
export interface OtlpProtoTypes {
  ExportTraceServiceRequest: protobuf.Type;
  ExportTraceServiceResponse: protobuf.Type;
  ExportLogsServiceRequest: protobuf.Type;
  ExportLogsServiceResponse: protobuf.Type;
  RpcStatus: protobuf.Type;
}

let types: OtlpProtoTypes | undefined;

/** Path of the vendored proto file, from `dist/otlp/` or `src/otlp/`. */
export const OTLP_PROTO_PATH = path.join(__dirname, '..', '..', 'proto', 'otlp.proto');

/** Loads (once) and returns the OTLP message types. */
export function otlpTypes(): OtlpProtoTypes {
  if (types) return types;
  const root = protobuf.loadSync(OTLP_PROTO_PATH);
  const t = (name: string): protobuf.Type => root.lookupType(`opentelemetry.proto.${name}`);
  types = {
    ExportTraceServiceRequest: t('ExportTraceServiceRequest'),
    ExportTraceServiceResponse: t('ExportTraceServiceResponse'),
    ExportLogsServiceRequest: t('ExportLogsServiceRequest'),
    ExportLogsServiceResponse: t('ExportLogsServiceResponse'),
    RpcStatus: t('RpcStatus'),
  };
  return types;
}
