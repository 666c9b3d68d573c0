/**
 * Types for the parts of the `sip` package (kirm/sip.js) we use: its
 * message parser and serialiser, its RFC 3261 transaction layer and its
 * digest authentication. Its own transport is not used (see SipEndpoint).
 */
declare module 'sip' {
  export interface SipUri {
    schema: string;
    user?: string;
    password?: string;
    host: string;
    port?: number;
    params: Record<string, string | null | undefined>;
    headers: Record<string, string>;
  }

  export interface NameAddr {
    name?: string;
    /** Route headers come parsed into a SipUri; other headers keep the text. */
    uri: string | SipUri;
    params: Record<string, string | null | undefined>;
  }

  export interface Via {
    version?: string;
    protocol?: string;
    host?: string;
    port?: number;
    params: Record<string, string | number | null | undefined>;
  }

  export interface SipHeaders {
    via?: Via[];
    to: NameAddr;
    from: NameAddr;
    'call-id': string;
    cseq: { seq: number; method: string };
    contact?: NameAddr[];
    route?: NameAddr[];
    'record-route'?: NameAddr[];
    'content-type'?: string;
    'max-forwards'?: number | string;
    [name: string]: unknown;
  }

  export interface SipRequest {
    method: string;
    uri: string;
    version?: string;
    headers: SipHeaders;
    content?: string;
  }

  export interface SipResponse {
    status: number;
    reason: string;
    version?: string;
    headers: SipHeaders;
    content?: string;
  }

  export type SipMessage = SipRequest | SipResponse;

  export interface Connection {
    send(message: SipMessage): void;
    protocol: string;
    release(): void;
  }

  export interface Transaction {
    send?(message: SipResponse): void;
    message?(message: SipMessage, remote?: unknown): void;
    shutdown(): void;
  }

  export interface TransactionLayer {
    createServerTransaction(request: SipRequest, connection: Connection): Transaction;
    createClientTransaction(connection: Connection, request: SipRequest, onResponse: (response: SipResponse) => void): Transaction;
    getServer(message: SipMessage): Transaction | undefined;
    getClient(message: SipMessage): Transaction | undefined;
    destroy(): void;
  }

  interface SipModule {
    parse(data: Buffer | string): SipMessage | undefined;
    stringify(message: SipMessage): string;
    makeResponse(request: SipRequest, status: number, reason?: string): SipResponse;
    parseUri(uri: string): SipUri | undefined;
    stringifyUri(uri: SipUri): string;
    generateBranch(): string;
    makeTransactionLayer(options: Record<string, unknown>, connect: unknown): TransactionLayer;
  }

  const sip: SipModule;
  export default sip;
}

declare module 'sip/digest.js' {
  import type { SipRequest, SipResponse } from 'sip';

  export interface DigestContext {
    [key: string]: unknown;
  }

  interface DigestModule {
    /** Adds (Proxy-)Authorization for the challenge in `response`; returns the context to reuse, if any. */
    signRequest(
      context: DigestContext,
      request: SipRequest,
      response?: SipResponse,
      credentials?: { user: string; password: string },
    ): DigestContext | null;
  }

  const digest: DigestModule;
  export default digest;
}
