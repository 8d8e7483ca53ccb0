/** The settings hash field for one setting: "<scope>:<id>:<name>". */
export function settingField(scope: 'channel' | 'user', id: string, name: string): string {
  return `${scope}:${id}:${name}`;
}
