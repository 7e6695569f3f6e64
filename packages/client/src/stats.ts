/**
 * Counters of what a session did on the wire. Benchmarks and tests read them to count
 * round trips and data connections per file.
 *
 * @module
 */

/** What a session did on the wire so far. All counters only grow. */
export interface SessionStats {
  /** Commands written to the control connection. */
  commands: number;
  /** Replies received (preliminary 1xx replies included). */
  replies: number;
  /** Writes to the control connection (pipelined commands share one write). */
  writes: number;
  /**
   * Writes made while no reply was outstanding: each is a wait of at least one round
   * trip for the client. Pipelined commands written behind outstanding ones add none.
   * The TCP handshakes of data connections are counted in `dataConnections`.
   */
  roundTrips: number;
  /** Data connections opened (passive connects and accepted active connections). */
  dataConnections: number;
  /** Payload bytes of files and listings received on data connections. */
  bytesReceived: number;
  /** Files retrieved completely. */
  filesRetrieved: number;
}

/** A fresh set of counters. */
export function createStats(): SessionStats {
  return {
    commands: 0,
    replies: 0,
    writes: 0,
    roundTrips: 0,
    dataConnections: 0,
    bytesReceived: 0,
    filesRetrieved: 0,
  };
}
