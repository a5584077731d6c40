/**
 * Every Ignition config of a bootstrap, per provisioned node: the installer's and the installed
 * system's. Pure: tokens, the resolved Flatcar version, snippets and the Kubernetes parts are inputs.
 */
import type { Mac } from '../agent/lib/mac.js';
import type { BootstrapPlan, PlannedNode } from './plan.js';
import { activeNodes } from './plan.js';
import type { Endpoints } from './endpoints.js';
import { installConfig, type InstallOptions } from './ignition/install.js';
import { installedConfig } from './ignition/installed.js';
import { snippetsFor, type SnippetLibrary } from './ignition/snippets.js';
import type { IgnitionConfig } from './ignition/types.js';

export interface NodeConfigs {
  node: PlannedNode;
  install: IgnitionConfig;
  installed: IgnitionConfig;
  /** Snippet files merged into `installed`, for the dry-run. */
  snippetFiles: string[];
}

export interface NodeConfigInput {
  plan: BootstrapPlan;
  endpoints: Endpoints;
  tokens: ReadonlyMap<Mac, string>;
  install: InstallOptions;
  snippets: SnippetLibrary;
  /** Kubernetes: the kubeadm part per node. */
  kubernetesPart?: (node: PlannedNode) => IgnitionConfig;
}

export function nodeConfigs(input: NodeConfigInput): NodeConfigs[] {
  return activeNodes(input.plan).map((node) => {
    const token = input.tokens.get(node.mac);
    if (token === undefined) throw new Error(`no phone-home token for ${node.mac}`);
    const snippets = snippetsFor(input.snippets, node);
    return {
      node,
      install: installConfig(input.plan, input.endpoints, node, token, input.install),
      installed: installedConfig(input.plan, input.endpoints, node, token, {
        kubernetes: input.kubernetesPart?.(node),
        snippets: snippets.map((s) => s.config),
      }),
      snippetFiles: snippets.map((s) => s.file),
    };
  });
}
