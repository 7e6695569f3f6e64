export { ByteReader, fromUtf8, utf8, writeOnce } from "./byte-reader.ts";
export { type TestCertificate, testCertificate } from "./certs.ts";
export {
  type ReferenceHandshake,
  type ReferenceServer,
  type ReferenceServerOptions,
  startReferenceServer,
} from "./reference-server.ts";
export { type ConformanceCase, type ConformanceOptions, conformanceSuite } from "./suite.ts";
