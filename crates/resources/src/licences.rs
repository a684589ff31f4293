//! The licences a resource may carry: stored as SPDX ids, shown with their names and links, and
//! what each allows when someone adapts the resource.

use serde::Serialize;

/// A licence and what it lets others do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Licence {
    /// SPDX id, or `all-rights-reserved`.
    pub id: &'static str,
    pub name: &'static str,
    pub url: &'static str,
    /// Whether others may adapt it (make a derived resource).
    pub derivatives: bool,
    /// Adaptations must carry the same licence.
    pub share_alike: bool,
    /// No commercial use.
    pub non_commercial: bool,
}

/// French public bodies' open licence is the default (Les Bases uses it too).
pub const DEFAULT: &str = "etalab-2.0";
pub const ALL_RIGHTS_RESERVED: &str = "all-rights-reserved";

pub const LICENCES: &[Licence] = &[
    Licence {
        id: "etalab-2.0",
        name: "Licence Ouverte / Etalab 2.0",
        url: "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
        derivatives: true,
        share_alike: false,
        non_commercial: false,
    },
    Licence {
        id: "CC-BY-4.0",
        name: "Creative Commons Attribution 4.0",
        url: "https://creativecommons.org/licenses/by/4.0/deed.fr",
        derivatives: true,
        share_alike: false,
        non_commercial: false,
    },
    Licence {
        id: "CC-BY-SA-4.0",
        name: "Creative Commons Attribution – Partage dans les mêmes conditions 4.0",
        url: "https://creativecommons.org/licenses/by-sa/4.0/deed.fr",
        derivatives: true,
        share_alike: true,
        non_commercial: false,
    },
    Licence {
        id: "CC-BY-NC-SA-4.0",
        name: "Creative Commons Attribution – Pas d'utilisation commerciale – Partage dans les mêmes conditions 4.0",
        url: "https://creativecommons.org/licenses/by-nc-sa/4.0/deed.fr",
        derivatives: true,
        share_alike: true,
        non_commercial: true,
    },
    Licence {
        id: "CC0-1.0",
        name: "Creative Commons Zero 1.0 (domaine public)",
        url: "https://creativecommons.org/publicdomain/zero/1.0/deed.fr",
        derivatives: true,
        share_alike: false,
        non_commercial: false,
    },
    Licence {
        id: ALL_RIGHTS_RESERVED,
        name: "Tous droits réservés",
        url: "",
        derivatives: false,
        share_alike: false,
        non_commercial: false,
    },
];

/// A licence by its SPDX id (case-insensitive, as other servers may write it), or by the URL
/// other software sends in `license`.
pub fn find(id_or_url: &str) -> Option<&'static Licence> {
    let wanted = id_or_url.trim();
    let wanted_url = canonical_url(wanted);
    LICENCES
        .iter()
        .find(|l| l.id.eq_ignore_ascii_case(wanted) || (!l.url.is_empty() && canonical_url(l.url) == wanted_url))
}

/// A licence URL without scheme, translation page (`deed.fr`) or final slash.
fn canonical_url(url: &str) -> String {
    let url = url.to_ascii_lowercase();
    let url = url.trim_start_matches("https://").trim_start_matches("http://");
    let url = match url.rfind("/deed") {
        Some(at) => &url[..at],
        None => url,
    };
    url.trim_end_matches('/').to_owned()
}

/// The licences an adaptation of a resource under `origin` may carry: the same one when it is
/// share-alike, any that allows derivatives otherwise; none when derivatives are not allowed.
pub fn allowed_for_adaptation(origin: &Licence) -> Vec<&'static Licence> {
    if !origin.derivatives {
        return Vec::new();
    }
    if origin.share_alike {
        return LICENCES.iter().filter(|l| l.id == origin.id).collect();
    }
    LICENCES.iter().filter(|l| l.id != ALL_RIGHTS_RESERVED).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn licences_are_found_by_id_or_url() {
        assert_eq!(find("cc-by-sa-4.0").unwrap().id, "CC-BY-SA-4.0");
        assert_eq!(find("https://creativecommons.org/licenses/by-sa/4.0/").unwrap().id, "CC-BY-SA-4.0");
        assert_eq!(find("https://creativecommons.org/licenses/by/4.0/").unwrap().id, "CC-BY-4.0");
        assert!(find("GPL-3.0").is_none());
    }

    #[test]
    fn adaptations_keep_share_alike_and_refuse_all_rights_reserved() {
        let sa = find("CC-BY-SA-4.0").unwrap();
        assert_eq!(allowed_for_adaptation(sa).iter().map(|l| l.id).collect::<Vec<_>>(), ["CC-BY-SA-4.0"]);
        assert!(allowed_for_adaptation(find(ALL_RIGHTS_RESERVED).unwrap()).is_empty());
        assert!(allowed_for_adaptation(find(DEFAULT).unwrap()).len() > 3);
    }
}
