// @ftpkit/client against pyftpdlib 1.5.7: plain and explicit FTPS. pyftpdlib sends 150
// before the data connection exists, answers commands during a transfer, and resets a TLS
// data connection whose handshake starts before it handled RETR. Port base 21450.
import { clientSuite } from "./client-support.ts";

clientSuite("pyftpdlib", 21450, ["plain", "ftps"]);
