/**
 * The part of the Ignition spec 3.3.0 racker generates (coreos/ignition config/v3_3/types). Field
 * names are Ignition's JSON names. Every config racker serves passes `ignition-validate` in tests.
 */

export const IGNITION_VERSION = '3.3.0';

export interface NodeUser {
  id?: number;
  name?: string;
}

export interface Resource {
  source?: string;
  compression?: 'gzip';
  verification?: { hash?: string };
}

export interface IgnitionFile {
  path: string;
  overwrite?: boolean;
  mode?: number;
  user?: NodeUser;
  group?: NodeUser;
  contents?: Resource;
  append?: Resource[];
}

export interface IgnitionDirectory {
  path: string;
  overwrite?: boolean;
  mode?: number;
  user?: NodeUser;
  group?: NodeUser;
}

export interface IgnitionLink {
  path: string;
  target: string;
  hard?: boolean;
  overwrite?: boolean;
  user?: NodeUser;
  group?: NodeUser;
}

export interface IgnitionUnit {
  name: string;
  enabled?: boolean;
  mask?: boolean;
  contents?: string;
  dropins?: { name: string; contents?: string }[];
}

export interface IgnitionUser {
  name: string;
  sshAuthorizedKeys?: string[];
  groups?: string[];
  passwordHash?: string;
  homeDir?: string;
  shell?: string;
  [key: string]: unknown;
}

export interface IgnitionConfig {
  ignition: { version: string; [key: string]: unknown };
  passwd?: { users?: IgnitionUser[]; groups?: { name: string; [key: string]: unknown }[] };
  storage?: {
    files?: IgnitionFile[];
    directories?: IgnitionDirectory[];
    links?: IgnitionLink[];
    [key: string]: unknown;
  };
  systemd?: { units?: IgnitionUnit[] };
  [key: string]: unknown;
}
