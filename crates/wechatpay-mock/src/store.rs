//! What the platform knows: one table per kind of record, each owned by the endpoint module that
//! defines its type, all behind one lock.
//!
//! The tables are kept by type, so that an endpoint brings its records without the platform
//! naming them: a new endpoint adds no field anywhere.

use std::sync::{Mutex, MutexGuard};

use http::Extensions;

use crate::platform::SetupError;

/// The tables of every endpoint.
pub(crate) struct Store {
    tables: Mutex<Extensions>,
}

impl Store {
    /// `read` applied to the table of type `T`, empty when no endpoint seeded one.
    pub(crate) fn read<T, R>(&self, read: impl FnOnce(&T) -> R) -> R
    where
        T: Default + Clone + Send + Sync + 'static,
    {
        let tables = self.lock();
        match tables.get::<T>() {
            Some(table) => read(table),
            None => read(&T::default()),
        }
    }

    /// `change` applied to the table of type `T`, which is created empty first if need be.
    pub(crate) fn write<T, R>(&self, change: impl FnOnce(&mut T) -> R) -> R
    where
        T: Default + Clone + Send + Sync + 'static,
    {
        let mut tables = self.lock();
        let mut table = tables.remove::<T>().unwrap_or_default();
        let result = change(&mut table);
        tables.insert(table);
        result
    }

    /// A store with no table: every read sees defaults.
    pub(crate) fn empty() -> Self {
        Store {
            tables: Mutex::new(Extensions::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Extensions> {
        // Only look-ups and replacements run under the lock, none of which can panic; should a
        // caller's thread die holding it all the same, every table is whole, so go on.
        self.tables
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// What an endpoint's seed gets while the platform is built: the tables to fill, and the
/// platform's encryption to the merchant for the sensitive fields of seeded records.
pub(crate) struct Seeding<'a> {
    tables: Extensions,
    encrypt: &'a mut dyn FnMut(&str) -> Result<String, SetupError>,
}

impl<'a> Seeding<'a> {
    /// Empty tables, and `encrypt` for [`Seeding::encrypt_for_merchant`].
    pub(crate) fn new(encrypt: &'a mut dyn FnMut(&str) -> Result<String, SetupError>) -> Self {
        Seeding {
            tables: Extensions::new(),
            encrypt,
        }
    }

    /// `plaintext` encrypted to the merchant (RSA-OAEP, SHA-1), as the platform encrypts
    /// sensitive fields.
    pub(crate) fn encrypt_for_merchant(&mut self, plaintext: &str) -> Result<String, SetupError> {
        (self.encrypt)(plaintext)
    }

    /// Puts `table` in the store, in place of any table of its type.
    pub(crate) fn insert<T: Clone + Send + Sync + 'static>(&mut self, table: T) {
        self.tables.insert(table);
    }

    /// The store, filled.
    pub(crate) fn into_store(self) -> Store {
        Store {
            tables: Mutex::new(self.tables),
        }
    }
}
