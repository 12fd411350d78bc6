/**
 * The TCP applications a host runs from its scenario services: tcp-accept (accept and hold, like
 * `nc -lk`) and http-echo (answers a request with the source address and port it saw, like
 * ifconfig.io, and keeps the connection open). Both close their side when the peer closes.
 */
import type { Service } from '../model/kinds/network.ts';
import type { Host } from './host.ts';
import { bytesText, endpoint, textBytes } from './packet.ts';
import type { SocketId, TcpApp } from './tcp-socket.ts';
import type { TcpStack } from './tcp.ts';

class AcceptApp implements TcpApp {
  constructor(protected readonly host: Host) {}
  established(_s: SocketId): void {}
  data(_s: SocketId, _bytes: Uint8Array): void {}
  peerClosed(s: SocketId): void {
    this.host.tcp.close(s);
  }
  ended(_s: SocketId): void {}
}

/** The body http-echo answers with: what it saw as the client's address and port. */
export function echoBody(tcp: TcpStack, s: SocketId): string {
  return `${endpoint(tcp.remoteIpOf(s), tcp.remotePortOf(s))}\n`;
}

export function httpResponse(body: string): string {
  return `HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${textBytes(body).length}\r\n\r\n${body}`;
}

class HttpEchoApp extends AcceptApp {
  override data(s: SocketId, bytes: Uint8Array): void {
    // Requests here fit in one segment; answer when the header block is complete.
    if (bytesText(bytes).includes('\r\n\r\n')) this.host.tcp.send(s, textBytes(httpResponse(echoBody(this.host.tcp, s))));
  }
}

/** Installs the host's services: TCP listeners and UDP echo ports. */
export function installServices(host: Host, services: readonly Service[]): void {
  let accept: AcceptApp | null = null;
  let echo: HttpEchoApp | null = null;
  for (const svc of services) {
    if (svc.type === 'udp-echo') {
      host.udpEcho.set(svc.port, { stopped: svc.stopped });
      continue;
    }
    const app = svc.type === 'http-echo' ? (echo ??= new HttpEchoApp(host)) : (accept ??= new AcceptApp(host));
    host.tcp.listen(svc.port, app).stopped = svc.stopped;
  }
}
