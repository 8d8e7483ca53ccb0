/**
 * What differs between the three products the runbook supports. Module names, installer names and
 * KB numbers come from Microsoft's update pages; the .psd1 fallbacks are the default install paths.
 */
export const PRODUCT_IDS = ['lync2013', 'sfb2015', 'sfb2019'] as const;
export type ProductId = (typeof PRODUCT_IDS)[number];

export interface Product {
  readonly id: ProductId;
  readonly label: string;
  readonly module: string;
  /** relative to "Common Files", used when Import-Module by name fails */
  readonly moduleManifest: string;
  readonly installer: string;
  readonly updateKb: string;
  /** Lync 2013 has no Get-CsServerPatchVersion; its version comes from the MSI patch registry */
  readonly hasPatchVersionCmdlet: boolean;
}

export const PRODUCTS: Readonly<Record<ProductId, Product>> = {
  lync2013: {
    id: 'lync2013',
    label: 'Lync Server 2013',
    module: 'Lync',
    moduleManifest: 'Microsoft Lync Server 2013\\Modules\\Lync\\Lync.psd1',
    installer: 'LyncServerUpdateInstaller.exe',
    updateKb: 'KB2809243',
    hasPatchVersionCmdlet: false,
  },
  sfb2015: {
    id: 'sfb2015',
    label: 'Skype for Business Server 2015',
    module: 'SkypeForBusiness',
    moduleManifest: 'Skype for Business Server 2015\\Modules\\SkypeForBusiness\\SkypeForBusiness.psd1',
    installer: 'SkypeServerUpdateInstaller.exe',
    updateKb: 'KB3061064',
    hasPatchVersionCmdlet: true,
  },
  sfb2019: {
    id: 'sfb2019',
    label: 'Skype for Business Server 2019',
    module: 'SkypeForBusiness',
    moduleManifest: 'Skype for Business Server 2019\\Modules\\SkypeForBusiness\\SkypeForBusiness.psd1',
    installer: 'SkypeServerUpdateInstaller.exe',
    updateKb: 'KB4470124',
    hasPatchVersionCmdlet: true,
  },
};

export const EDITIONS = ['enterprise', 'standard'] as const;
/** enterprise = an Enterprise Edition Back End Server; standard = a Standard Edition server */
export type Edition = (typeof EDITIONS)[number];
