//! [`Paginator`]: walks a paged listing.

use std::collections::VecDeque;
use std::fmt;

use futures_util::future::BoxFuture;
use futures_util::stream::{self, Stream};

use crate::error::Error;
use crate::models::Metadata;

type PageFuture<T> = BoxFuture<'static, Result<(Vec<T>, Option<Metadata>), Error>>;

/// Walks a paged listing. Stops at an empty page, when `_metadata.total` is reached, or when
/// `_metadata.has_next` is false. A failed page can be retried by calling again.
///
/// Offset paging over live data can skip or repeat an item that changes while you walk.
pub struct Paginator<T> {
    fetch: Box<dyn FnMut(u32, u32) -> PageFuture<T> + Send>,
    offset: u32,
    limit: u32,
    buffer: VecDeque<T>,
    done: bool,
}

impl<T> fmt::Debug for Paginator<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paginator")
            .field("offset", &self.offset)
            .field("limit", &self.limit)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<T: Send + 'static> Paginator<T> {
    pub(super) fn new(
        offset: u32,
        limit: u32,
        fetch: impl FnMut(u32, u32) -> PageFuture<T> + Send + 'static,
    ) -> Self {
        Self {
            fetch: Box::new(fetch),
            offset,
            limit,
            buffer: VecDeque::new(),
            done: false,
        }
    }

    /// The next page, or `None` when the listing is exhausted.
    pub async fn next_page(&mut self) -> Result<Option<Vec<T>>, Error> {
        if !self.buffer.is_empty() {
            return Ok(Some(self.buffer.drain(..).collect()));
        }
        if self.done {
            return Ok(None);
        }
        crate::defaults::check_page_size("page size", self.limit)?;
        let (items, meta) = (self.fetch)(self.offset, self.limit).await?;
        if items.is_empty() {
            self.done = true;
            return Ok(None);
        }
        self.offset = self.offset.saturating_add(items.len() as u32);
        if let Some(m) = meta
            && (m.total.is_some_and(|t| u64::from(self.offset) >= t) || m.has_next == Some(false))
        {
            self.done = true;
        }
        Ok(Some(items))
    }

    /// The next item, or `None` at the end.
    pub async fn next(&mut self) -> Result<Option<T>, Error> {
        if self.buffer.is_empty() {
            match self.next_page().await? {
                Some(items) => self.buffer.extend(items),
                None => return Ok(None),
            }
        }
        Ok(self.buffer.pop_front())
    }

    /// Every remaining item.
    pub async fn collect_all(mut self) -> Result<Vec<T>, Error> {
        let mut all = Vec::new();
        while let Some(page) = self.next_page().await? {
            all.extend(page);
        }
        Ok(all)
    }

    /// As a `Stream` of items; an error ends the stream after it is yielded.
    pub fn into_stream(self) -> impl Stream<Item = Result<T, Error>> + Send {
        stream::unfold(Some(self), |state| async move {
            let mut pager = state?;
            match pager.next().await {
                Ok(Some(item)) => Some((Ok(item), Some(pager))),
                Ok(None) => None,
                Err(e) => Some((Err(e), None)),
            }
        })
    }
}
