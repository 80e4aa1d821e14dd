"""``{% project_feed project %}``: the project page's activity feed and comment box (the
project page's template loads this library; workflow's code does not import the app)."""

from django import template

from conversations.web import feed_context

register = template.Library()


@register.inclusion_tag("conversations/feed.html", takes_context=True)
def project_feed(context, project):
    return feed_context(context["request"], project)
