/**
 * Regenerates onnx-proto.json, the protobufjs JSON descriptor of onnx.proto (ONNX 1.23, IR version 14,
 * Apache-2.0: LICENSE here), which proto.ts loads with protobufjs' Root.fromJSON. A JSON module bundles and
 * loads everywhere the engine runs (Vite, tsx, vitest) without reading a .proto file at run time;
 * tests/unit/models/onnx/proto.test.ts checks that it still matches onnx.proto.
 *
 *   npx tsx src/main/engine/models/onnx/schema/build-schema.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

export const SCHEMA_PROTO = fileURLToPath(new URL('./onnx.proto', import.meta.url));
export const SCHEMA_JSON = fileURLToPath(new URL('./onnx-proto.json', import.meta.url));

/** The descriptor of onnx.proto as protobufjs writes it (field names as in the .proto: snake_case). */
export function schemaDescriptor(): object {
  const { root } = protobuf.parse(readFileSync(SCHEMA_PROTO, 'utf8'), { keepCase: true });
  return root.toJSON();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_JSON, `${JSON.stringify(schemaDescriptor())}\n`);
  console.log(`wrote ${SCHEMA_JSON}`);
}
