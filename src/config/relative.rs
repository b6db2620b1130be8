//! The paths of the settings that are relative, for `config check` and the start log to say
//! where they lead. A relative path is resolved against the process's working directory, as
//! every file open does, never against the config file's folder: `serve --config FILE` and
//! `config check FILE` read the same files when run from the same directory.

use std::path::{Component, Path, PathBuf};

use super::Settings;

impl Settings {
    /// Every relative path of these settings with its key (`paths.dialogs`,
    /// `sites[0].webhook.ca_file`, ...), in the order of the file. `store.path` only counts
    /// on the embedded store (without `store.url`).
    pub fn relative_paths(&self) -> Vec<(String, &Path)> {
        let mut paths: Vec<(String, &Path)> = vec![
            ("paths.dialogs".to_owned(), &self.paths.dialogs),
            ("paths.locales".to_owned(), &self.paths.locales),
        ];
        if self.store.url.is_none() {
            paths.push(("store.path".to_owned(), &self.store.path));
        }
        if let Some(database) = &self.geoip.database {
            paths.push(("geoip.database".to_owned(), database));
        }
        for (index, site) in self.sites.iter().enumerate() {
            if let Some(ca_file) = site.webhook.as_ref().and_then(|w| w.ca_file.as_ref()) {
                paths.push((format!("sites[{index}].webhook.ca_file"), ca_file));
            }
        }
        paths.retain(|(_, path)| path.is_relative());
        paths
    }

    /// [`Settings::relative_paths`] resolved against `dir` (the working directory), as
    /// `key = path -> dir/path` lines.
    pub fn describe_relative_paths(&self, dir: &Path) -> Vec<String> {
        self.relative_paths()
            .into_iter()
            .map(|(key, path)| {
                let tail: PathBuf = path
                    .components()
                    .filter(|part| !matches!(part, Component::CurDir))
                    .collect();
                let resolved = dir.join(tail);
                format!("{key} = {} -> {}", path.display(), resolved.display())
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_relative_paths_are_listed_with_their_keys() {
        let mut settings = Settings::default();
        settings.paths.locales = PathBuf::from("/srv/staffetta/locales");
        settings.geoip.database = Some(PathBuf::from("geo/city.mmdb"));
        let keys: Vec<String> = settings
            .relative_paths()
            .into_iter()
            .map(|(key, _)| key)
            .collect();
        assert_eq!(keys, ["paths.dialogs", "store.path", "geoip.database"]);
        let lines = settings.describe_relative_paths(Path::new("/work/dir"));
        assert_eq!(lines[0], "paths.dialogs = ./dialogs -> /work/dir/dialogs");
    }
}
