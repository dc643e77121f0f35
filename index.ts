import { deploy } from "./program";

const out = deploy();

export const hosts = out.hosts;
export const apps = out.apps;
export const urls = out.urls;
export const generatedSecrets = out.generatedSecrets;
export const backupPassword = out.backupPassword;
