// @ftpkit/client against pure-ftpd 1.0.50: plain and explicit FTPS. pure-ftpd answers an
// aborted RETR with a stray 150 and a single 226 (the "break" test covers it). Port base 21400.
import { clientSuite } from "./client-support.ts";

clientSuite("pureftpd", 21400, ["plain", "ftps"]);
