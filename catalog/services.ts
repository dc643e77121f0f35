import { cloudApps } from "./cloud";
import { dataApps } from "./data";
import { devApps } from "./dev";
import { gameApps } from "./games";
import { homeApps } from "./home";
import { infraApps } from "./infra";
import { productivityApps } from "./productivity";
import { securityApps } from "./security";
import type { AppDefinition } from "./types";
import { webApps } from "./web";

/** The service families (cloud, home, productivity, data, dev, games, security, infra). */
export const serviceApps: readonly AppDefinition[] = [
  ...cloudApps,
  ...dataApps,
  ...devApps,
  ...gameApps,
  ...homeApps,
  ...infraApps,
  ...productivityApps,
  ...securityApps,
  ...webApps,
];
