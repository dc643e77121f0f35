/**
 * A stand-in for the Servarr APIs (Sonarr, Radarr, Lidarr, Prowlarr) that holds state and
 * refuses what the real API would not take, from the API descriptions and settings classes at
 * the versions stored (test/fixtures/api/servarr.json, each entry names its source): unknown
 * properties (the schemas are `additionalProperties: false`), unknown provider fields, a
 * missing or wrong API key, an unknown id. Like the real apps it masks passwords and keys in
 * what it returns. It counts writes, so a test can tell a second run wrote nothing new.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { standIn, type StandIn } from "./standIn";

const API = JSON.parse(
  readFileSync(join(__dirname, "..", "fixtures", "api", "servarr.json"), "utf8"),
) as Record<string, ApiDescription>;

interface ApiDescription {
  apiBase: string;
  paths: Record<string, string[]>;
  DownloadClientResource?: Record<string, string>;
  ApplicationResource?: Record<string, string>;
  RootFolderResource?: Record<string, string>;
  HostConfigResource: Record<string, string>;
  AuthenticationType: string[];
  AuthenticationRequiredType: string[];
  Field: Record<string, string>;
  settings: Record<string, string[]>;
}

interface Field {
  name: string;
  value: unknown;
  privacy?: string;
}
export interface Provider {
  id?: number;
  name: string;
  implementation: string;
  configContract: string;
  fields: Field[];
  [key: string]: unknown;
}

const MASK = "********";
const SECRET_FIELDS = new Set(["password", "apiKey"]);

export class ServarrStandin {
  readonly api: ApiDescription;
  readonly providers: Provider[] = [];
  readonly rootFolders: Record<string, unknown>[] = [];
  readonly writes: string[] = [];
  /** The host settings and the one user (HostConfigController.cs); no user until one is saved. */
  host: Record<string, unknown> = {
    authenticationMethod: "none",
    authenticationRequired: "enabled",
    bindAddress: "*",
    port: 0,
    instanceName: "App",
    branch: "main",
    logSizeLimit: 1,
    backupInterval: 7,
    backupRetention: 28,
  };
  user?: { username: string; password: string };
  private server?: StandIn;
  private nextId = 1;

  constructor(
    readonly app: "sonarr" | "radarr" | "lidarr" | "prowlarr",
    readonly port: number,
    readonly key: string,
  ) {
    this.api = API[app];
  }

  private kind(): "downloadclient" | "applications" {
    return this.app === "prowlarr" ? "applications" : "downloadclient";
  }

  private resourceSchema(): Record<string, string> {
    const s =
      this.app === "prowlarr" ? this.api.ApplicationResource : this.api.DownloadClientResource;
    if (!s) throw new Error(`no resource schema for ${this.app}`);
    return s;
  }

  /** What `<kind>/schema` lists: each implementation with its fields, empty. */
  private schema(): Provider[] {
    return Object.entries(this.api.settings).map(([implementation, names]) => ({
      name: "",
      implementation,
      configContract: `${implementation}Settings`,
      fields: names.map((name) => ({
        name,
        value: null,
        ...(SECRET_FIELDS.has(name) ? { privacy: name } : {}),
      })),
      tags: [],
      presets: [],
      ...(this.app === "prowlarr"
        ? { syncLevel: "addOnly" }
        : {
            enable: false,
            priority: 1,
            protocol: implementation === "Sabnzbd" ? "usenet" : "torrent",
          }),
    }));
  }

  /** The API masks secrets in every answer; a PUT that sends the mask back keeps the value. */
  private masked(p: Provider): Provider {
    return {
      ...p,
      fields: p.fields.map((f) =>
        SECRET_FIELDS.has(f.name) && f.value ? { ...f, value: MASK } : f,
      ),
    };
  }

  /** Why the real API would refuse this provider, or undefined. */
  private refusal(body: unknown): string | undefined {
    if (typeof body !== "object" || body === null) return "body is not an object";
    const p = body as Provider;
    const allowed = this.resourceSchema();
    const extra = Object.keys(p).filter((k) => !(k in allowed));
    if (extra.length) return `unknown properties ${extra.join(", ")}`;
    const names = this.api.settings[p.implementation];
    if (!names) return `unknown implementation ${String(p.implementation)}`;
    if (!Array.isArray(p.fields)) return "fields is not an array";
    for (const f of p.fields) {
      const extraF = Object.keys(f).filter((k) => !(k in this.api.Field));
      if (extraF.length) return `unknown field properties ${extraF.join(", ")}`;
      if (!names.includes(f.name)) return `${p.implementation} has no field ${f.name}`;
    }
    if (this.app === "prowlarr" && !this.api.paths["/api/v1/applications"]) return "no path";
    return undefined;
  }

  /** GET config/host: the settings, the user's name and stored password, no confirmation. */
  private hostConfig(): Record<string, unknown> {
    return {
      ...this.host,
      id: 1,
      username: this.user?.username ?? "",
      password: this.user?.password ?? "",
      passwordConfirmation: "",
    };
  }

  /** The validators of HostConfigController.cs that a login touches. */
  private hostRefusal(h: Record<string, unknown>): string | undefined {
    const extra = Object.keys(h).filter((k) => !(k in this.api.HostConfigResource));
    if (extra.length) return `unknown properties ${extra.join(", ")}`;
    if (!this.api.AuthenticationType.includes(String(h.authenticationMethod)))
      return `unknown authenticationMethod ${String(h.authenticationMethod)}`;
    if (!this.api.AuthenticationRequiredType.includes(String(h.authenticationRequired)))
      return `unknown authenticationRequired ${String(h.authenticationRequired)}`;
    if (h.authenticationMethod === "basic") return "'Basic' is no longer supported";
    if (h.authenticationMethod === "forms" && (!h.username || !h.password))
      return "Username and Password must not be empty";
    const same = this.user !== undefined && this.user.password === h.password;
    if (!same && h.password !== h.passwordConfirmation) return "Must match Password";
    return undefined;
  }

  private handle(
    method: string,
    path: string,
    query: URLSearchParams,
    body: string,
  ): [number, unknown] {
    const base = this.api.apiBase;
    const kind = this.kind();
    if (path === "/ping") return [200, { status: "OK" }];
    if (path === `${base}/${kind}` && method === "GET")
      return [200, this.providers.map((p) => this.masked(p))];
    if (path === `${base}/${kind}/schema` && method === "GET") return [200, this.schema()];
    if (path === `${base}/${kind}` && method === "POST") {
      const p = JSON.parse(body) as Provider;
      const why = this.refusal(p);
      if (why) return [400, [{ errorMessage: why }]];
      if (query.get("forceSave") !== "true") return [400, [{ errorMessage: "test failed" }]];
      if (this.providers.some((x) => x.name === p.name))
        return [400, [{ errorMessage: "Should be unique" }]];
      const created = { ...p, id: this.nextId++ };
      this.providers.push(created);
      this.writes.push(`POST ${kind} ${p.name}`);
      return [201, this.masked(created)];
    }
    const byId = new RegExp(`^${base}/${kind}/(\\d+)$`).exec(path);
    if (byId && method === "PUT") {
      const at = this.providers.findIndex((x) => x.id === Number(byId[1]));
      if (at < 0) return [404, { message: "NotFound" }];
      const p = JSON.parse(body) as Provider;
      const why = this.refusal(p);
      if (why) return [400, [{ errorMessage: why }]];
      const old = this.providers[at];
      const fields = p.fields.map((f) =>
        f.value === MASK ? (old.fields.find((o) => o.name === f.name) ?? f) : f,
      );
      this.providers[at] = { ...p, fields, id: old.id };
      this.writes.push(`PUT ${kind} ${p.name}`);
      return [202, this.masked(this.providers[at])];
    }
    if (path === `${base}/config/host` && method === "GET") return [200, this.hostConfig()];
    if (path === `${base}/config/host/1` && method === "PUT") {
      const h = JSON.parse(body) as Record<string, unknown>;
      const why = this.hostRefusal(h);
      if (why) return [400, [{ errorMessage: why }]];
      // The confirmation is checked, never stored.
      const { username, password, ...settings } = h;
      delete settings.passwordConfirmation;
      this.host = settings;
      if (typeof username === "string" && username && typeof password === "string" && password)
        this.user = { username, password };
      this.writes.push("PUT config/host");
      return [202, { id: 1 }];
    }
    if (path === `${base}/rootfolder` && method === "GET") return [200, this.rootFolders];
    if (path === `${base}/rootfolder` && method === "POST") {
      const f = JSON.parse(body) as Record<string, unknown>;
      const allowed = this.api.RootFolderResource ?? {};
      const extra = Object.keys(f).filter((k) => !(k in allowed));
      if (extra.length) return [400, [{ errorMessage: `unknown properties ${extra.join(", ")}` }]];
      if (typeof f.path !== "string" || !f.path.startsWith("/"))
        return [400, [{ errorMessage: "Path must be absolute" }]];
      if (
        this.app === "lidarr" &&
        (f.defaultQualityProfileId !== 3 || f.defaultMetadataProfileId !== 5)
      )
        return [400, [{ errorMessage: "profiles must exist" }]];
      this.rootFolders.push({ ...f, id: this.nextId++ });
      this.writes.push(`POST rootfolder ${f.path}`);
      return [201, f];
    }
    if (path === `${base}/qualityprofile` && method === "GET")
      return [200, [{ id: 3, name: "Any" }]];
    if (path === `${base}/metadataprofile` && method === "GET")
      return [200, [{ id: 5, name: "Standard" }]];
    return [404, { message: `no ${method} ${path}` }];
  }

  async start(): Promise<void> {
    this.server = await standIn((req) => {
      // /ping answers anyone (Servarr's PingController is anonymous); the API needs the key.
      if (req.path !== "/ping" && req.headers["x-api-key"] !== this.key)
        return { status: 401, body: { message: "Unauthorized" } };
      try {
        const [status, body] = this.handle(req.method, req.path, req.query, req.body);
        return { status, body };
      } catch (e) {
        // A body the API cannot bind is a 400, as Servarr's model binding answers.
        return { status: 400, body: { message: String(e) } };
      }
    }, this.port);
  }

  stop(): Promise<void> {
    return this.server ? this.server.close() : Promise.resolve();
  }
}
