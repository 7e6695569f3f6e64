/**
 * Logging in and securing the control connection: USER PASS ACCT QUIT REIN
 * (RFC 959 §4.1.1) and AUTH PBSZ PROT (RFC 4217).
 *
 * @module
 */

import { checkLogin, isAnonymousName } from "../auth.ts";
import { initialState } from "../session-state.ts";
import type { CommandSpec } from "./command-spec.ts";

export const ACCESS_COMMANDS: Record<string, CommandSpec> = {
  USER: {
    login: false,
    help: "USER <name>",
    run: async (s, argument) => {
      if (argument === "") return s.reply(501, "USER needs a name");
      if (s.host.options.tls?.require && !s.secure) {
        return s.reply(530, "TLS required: send AUTH TLS before USER");
      }
      s.state.loggedIn = false;
      s.state.user = argument;
      await s.reply(
        331,
        isAnonymousName(argument)
          ? "Anonymous login ok, send your e-mail address as password"
          : `Password required for ${argument}`,
      );
    },
  },
  PASS: {
    login: false,
    help: "PASS <password>",
    run: async (s, argument) => {
      const user = s.state.user;
      if (user === undefined) return s.reply(503, "Login with USER first");
      if (s.state.loggedIn) return s.reply(230, "Already logged in");
      const grant = await checkLogin(s.host.options, {
        user,
        password: argument,
        remote: s.info.remoteAddress,
        secure: s.secure,
      });
      if (grant === undefined) {
        s.state.loginFailures++;
        s.state.user = undefined;
        // A pause after each failure slows password guessing (RFC 2577 §5).
        await s.host.sleep(s.host.limits.loginFailureDelay);
        await s.reply(530, "Login incorrect");
        if (s.state.loginFailures >= s.host.limits.maxLoginFailures) {
          await s.reply(
            421,
            `Too many failed logins (${s.state.loginFailures}): closing control connection`,
          );
          s.close("too many failed logins");
        }
        return;
      }
      s.state.loggedIn = true;
      s.state.readOnly = grant.readOnly ?? false;
      s.state.storage = grant.storage ?? s.host.storage;
      s.state.cwd = "/";
      await s.reply(230, `User ${user} logged in`);
    },
  },
  ACCT: {
    login: false,
    help: "ACCT <account>",
    run: (s) => s.reply(202, "ACCT not needed"),
  },
  QUIT: {
    login: false,
    help: "QUIT",
    run: async (s) => {
      await s.reply(221, "Goodbye");
      s.close("QUIT");
    },
  },
  REIN: {
    login: false,
    help: "REIN",
    run: async (s) => {
      await s.data.reset();
      s.state = initialState(s.host.storage);
      await s.reply(220, "Service ready for new user");
    },
  },
  AUTH: {
    login: false,
    help: "AUTH TLS",
    run: async (s, argument) => {
      const mechanism = argument.trim().toUpperCase();
      if (s.host.options.tls === undefined)
        return s.reply(502, "AUTH not available: no certificate configured");
      if (s.secure) return s.reply(503, "Already using TLS");
      if (!["TLS", "TLS-C", "SSL", "TLS-P"].includes(mechanism)) {
        return s.reply(504, `AUTH ${mechanism} not supported; use AUTH TLS`);
      }
      await s.reply(234, `AUTH ${mechanism} successful`);
      // Data protection stays PROT C until PROT P, whatever the mechanism's name (RFC 4217 §9).
      await s.upgradeToTls();
    },
  },
  PBSZ: {
    login: false,
    help: "PBSZ 0",
    run: async (s, argument) => {
      if (!s.secure) return s.reply(503, "PBSZ needs AUTH TLS first");
      if (!/^\d+$/.test(argument.trim())) return s.reply(501, "PBSZ needs a number");
      s.state.pbsz = true;
      // RFC 4217 §9: TLS does no buffering of its own, so the size is always 0.
      await s.reply(200, "PBSZ=0");
    },
  },
  PROT: {
    login: false,
    help: "PROT C|P",
    run: async (s, argument) => {
      if (!s.secure) return s.reply(503, "PROT needs AUTH TLS first");
      const level = argument.trim().toUpperCase();
      if (level === "P") {
        s.state.protection = "P";
        return s.reply(200, "Protection level set to Private");
      }
      if (level === "C") {
        if (s.host.options.tls?.require) {
          return s.reply(534, "PROT C refused: this server requires encrypted data connections");
        }
        s.state.protection = "C";
        return s.reply(200, "Protection level set to Clear");
      }
      if (level === "S" || level === "E") return s.reply(536, `PROT ${level} not supported`);
      await s.reply(504, `Unknown protection level "${argument}"`);
    },
  },
};
