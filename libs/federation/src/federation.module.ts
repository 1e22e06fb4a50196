import { Module, type DynamicModule, type ModuleMetadata } from '@nestjs/common';
import {
  Logs,
  provideFactory,
  provideValue,
  readConfigFile,
  token,
  type GatewayConfig,
  type Key,
} from '@xietong/config';
import { readJwk } from './federation-files';
import { ManifestStore, type ManifestHistory } from './manifest-store';

/** The federation slice of the gateway's configuration (manifest, authority key, refresh). */
export const FederationSettings = token<FederationSettings>('FederationSettings');
export type FederationSettings = GatewayConfig['federation'];

/** The archive of the manifests taken into force (kept by the persistence lib): no rollback below them. */
export const ManifestArchive = token<ManifestHistory>('ManifestArchive');

export interface FederationOptions {
  settings: FederationSettings;
  /** The class or token that provides the archive, and the modules it comes from. */
  archive: Key<ManifestHistory>;
  imports?: ModuleMetadata['imports'];
}

/** The signed federation manifest in force, refreshed from its file without a restart. */
@Module({})
export class FederationModule {
  static forRoot({ settings, archive, imports = [] }: FederationOptions): DynamicModule {
    const providers = [
      provideValue(FederationSettings, settings),
      { provide: ManifestArchive, useExisting: archive },
      provideFactory(ManifestStore, [FederationSettings, ManifestArchive, Logs], async (s, history, logs) =>
        ManifestStore.open({
          file: s.manifestFile,
          authorityJwk: await readConfigFile(
            () => readJwk(s.authorityKeyFile),
            `cannot read the zone authority key ${s.authorityKeyFile} (XIETONG_AUTHORITY_KEY_FILE)`,
          ),
          refreshMs: s.refreshMs,
          federationId: s.id,
          archive: history,
          log: logs('Gateway'),
        }),
      ),
    ];
    return { module: FederationModule, imports, providers, exports: [FederationSettings, ManifestStore] };
  }
}
