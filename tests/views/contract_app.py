"""A small service used by the contract tests of ``/__api__``."""

from __future__ import annotations

import colander
from pyramid.config import Configurator

from strato import resource


class ArticleSchema(resource.ResourceSchema):
    title = colander.SchemaNode(colander.String(), validator=colander.Length(max=200))
    views = colander.SchemaNode(colander.Integer(), missing=0)


@resource.register(name="article")
class Article(resource.ShareableResource):
    schema = ArticleSchema


class NoteSchema(resource.ResourceSchema):
    text = colander.SchemaNode(colander.String(), missing="")


@resource.register(name="note")
class Note(resource.UserResource):
    schema = NoteSchema


def includeme(config: Configurator) -> None:
    config.scan("tests.views.contract_app")
