/** A small Docker Engine API client over the engine's unix socket (no dependency). */
import { request } from "node:http";

export interface ExecResult {
  exitCode: number;
  output: string;
}

export class DockerApiError extends Error {
  constructor(
    readonly status: number,
    readonly path: string,
    body: string,
  ) {
    super(`docker ${path}: ${status} ${body.trim()}`);
  }
}

export class DockerApi {
  constructor(readonly socketPath: string) {}

  /** One API call; JSON in and out unless a Buffer body (a tar archive) is given. */
  call(
    method: string,
    path: string,
    body?: unknown,
    opts: { raw?: boolean; okStatus?: number[] } = {},
  ): Promise<{ status: number; body: Buffer }> {
    const payload =
      body === undefined
        ? undefined
        : Buffer.isBuffer(body)
          ? body
          : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string | number> = {};
    if (payload) {
      headers["Content-Type"] = Buffer.isBuffer(body) ? "application/x-tar" : "application/json";
      headers["Content-Length"] = payload.length;
    }
    return new Promise((resolve, reject) => {
      const req = request({ socketPath: this.socketPath, method, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          const out = Buffer.concat(chunks);
          const ok = opts.okStatus ?? [200, 201, 204, 304];
          if (!ok.includes(status))
            reject(new DockerApiError(status, `${method} ${path}`, out.toString()));
          else resolve({ status, body: out });
        });
      });
      req.on("error", reject);
      if (payload) req.write(payload);
      req.end();
    });
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.call(method, path, body);
    return (res.body.length ? JSON.parse(res.body.toString()) : {}) as T;
  }

  async ping(): Promise<boolean> {
    try {
      await this.call("GET", "/_ping");
      return true;
    } catch {
      return false;
    }
  }

  /** `docker import`: a root filesystem tar as `repo:tag`, with Dockerfile `changes`. */
  async importImage(rootfs: Buffer, reference: string, changes: readonly string[]): Promise<void> {
    const at = reference.lastIndexOf(":");
    const slash = reference.lastIndexOf("/");
    const [repo, tag] =
      at > slash ? [reference.slice(0, at), reference.slice(at + 1)] : [reference, "latest"];
    const q = new URLSearchParams({ fromSrc: "-", repo, tag });
    for (const c of changes) q.append("changes", c);
    const res = await this.call("POST", `/images/create?${q.toString()}`, rootfs);
    const text = res.body.toString();
    if (text.includes('"error"')) throw new Error(`import ${reference}: ${text}`);
  }

  async exec(id: string, cmd: readonly string[], user?: string): Promise<ExecResult> {
    const created = await this.json<{ Id: string }>("POST", `/containers/${id}/exec`, {
      Cmd: cmd,
      User: user ?? "",
      AttachStdout: true,
      AttachStderr: true,
    });
    const res = await this.call("POST", `/exec/${created.Id}/start`, { Detach: false, Tty: false });
    const info = await this.json<{ ExitCode: number }>("GET", `/exec/${created.Id}/json`);
    return { exitCode: info.ExitCode, output: demultiplex(res.body) };
  }

  async logs(id: string): Promise<string> {
    const res = await this.call("GET", `/containers/${id}/logs?stdout=1&stderr=1&tail=200`);
    return demultiplex(res.body);
  }
}

/** The attach stream: 8-byte frame headers (stream, 0, 0, 0, size32be) before each chunk. */
export function demultiplex(buf: Buffer): string {
  let out = "";
  let i = 0;
  while (i + 8 <= buf.length) {
    const size = buf.readUInt32BE(i + 4);
    out += buf.subarray(i + 8, i + 8 + size).toString();
    i += 8 + size;
  }
  return out;
}
