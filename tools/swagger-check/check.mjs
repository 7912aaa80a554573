// Validates Swagger 2.0 definitions with @apidevtools/swagger-parser: the
// Swagger 2.0 JSON Schema, then its semantic checks (unique operationIds,
// path parameters declared and required, references resolving, …).
// Usage: node check.mjs FILE...   Exit 0 when every file is valid, 1 otherwise.
import SwaggerParser from "@apidevtools/swagger-parser";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node check.mjs FILE...");
  process.exit(2);
}
let failed = 0;
for (const file of files) {
  try {
    const api = await SwaggerParser.validate(file);
    if (api.swagger !== "2.0") {
      throw new Error(`swagger is ${api.swagger ?? api.openapi}, not 2.0`);
    }
    const operations = Object.values(api.paths).flatMap((item) => Object.keys(item)).length;
    console.log(`${file}: valid Swagger ${api.swagger}, ${operations} operations`);
  } catch (error) {
    failed += 1;
    console.error(`${file}: ${error.message}`);
  }
}
process.exit(failed ? 1 : 0);
