//! The `project_id` and `location_id` MAC `ext` parameters: which of the merchant's projects and
//! locations a call acts for. Paysera's PHP library adds them to every call
//! (`$api->walletClient(['project_id' => …])`), after `body_hash`; Paysera checks the resource
//! against them.

use super::Client;

/// `project_id` and `location_id` sent as MAC `ext` parameters on every call of a [`Client`].
///
/// ```
/// use paysera_scanpay::{Client, MacCredentials};
///
/// let client = Client::builder(MacCredentials::new("id", "key").unwrap())
///     .project_id(2248)
///     .build()
///     .unwrap();
/// // One call for one location of that project:
/// let till = client.with_location_id(Some(9975));
/// assert_eq!((till.project_id(), till.location_id()), (Some(2248), Some(9975)));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ExtScope {
    pub project_id: Option<u64>,
    pub location_id: Option<u64>,
}

impl ExtScope {
    /// The ext parameters in the PHP library's order (`project_id`, then `location_id`).
    pub(super) fn params(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::with_capacity(2);
        if let Some(p) = self.project_id {
            out.push(("project_id", p.to_string()));
        }
        if let Some(l) = self.location_id {
            out.push(("location_id", l.to_string()));
        }
        out
    }

    /// `self`, with the fields `over` sets replacing ours.
    pub fn overridden_by(self, over: ExtScope) -> ExtScope {
        ExtScope {
            project_id: over.project_id.or(self.project_id),
            location_id: over.location_id.or(self.location_id),
        }
    }
}

impl Client {
    /// The `project_id` every call sends as a MAC `ext` parameter, if any.
    pub fn project_id(&self) -> Option<u64> {
        self.scope.project_id
    }

    /// The `location_id` every call sends as a MAC `ext` parameter, if any.
    pub fn location_id(&self) -> Option<u64> {
        self.scope.location_id
    }

    /// Both ext parameters.
    pub fn ext_scope(&self) -> ExtScope {
        self.scope
    }

    /// A view of this client acting for another project (`None`: no `project_id`); shares the
    /// connection pool.
    pub fn with_project_id(&self, project_id: Option<u64>) -> Self {
        let mut c = self.clone();
        c.scope.project_id = project_id;
        c
    }

    /// A view of this client acting for another location (`None`: no `location_id`); shares the
    /// connection pool.
    pub fn with_location_id(&self, location_id: Option<u64>) -> Self {
        let mut c = self.clone();
        c.scope.location_id = location_id;
        c
    }

    /// A view of this client with both ext parameters replaced.
    pub fn with_ext_scope(&self, scope: ExtScope) -> Self {
        Self {
            scope,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_follow_the_php_order_and_overrides_replace_only_what_they_set() {
        let base = ExtScope {
            project_id: Some(1),
            location_id: Some(2),
        };
        assert_eq!(
            base.params(),
            vec![
                ("project_id", "1".to_owned()),
                ("location_id", "2".to_owned())
            ]
        );
        let over = base.overridden_by(ExtScope {
            project_id: None,
            location_id: Some(3),
        });
        assert_eq!((over.project_id, over.location_id), (Some(1), Some(3)));
        assert!(ExtScope::default().params().is_empty());
    }
}
