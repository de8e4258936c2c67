"""Discovery as plain functions: no Scrapy here, so every rule is testable on a string."""
